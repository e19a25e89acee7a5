"""The gunicorn settings every benchmark target runs under, so only the app differs.

`BENCH_BIND` and `BENCH_WORKERS` come from the runner. With `BENCH_COUNT_SQL=1` each worker
counts the SQL statements its engines execute per request (a SQLAlchemy event listener on the
`Engine` class, so it sees every engine the app creates) and returns the count in the
`X-Bench-Statements` response header, and writes how many requests it has served to
`$BENCH_STATS_DIR/<pid>` (so the runner divides server CPU by requests the server really served,
in-flight ones included). The app itself is not touched: the wrapper is installed around the
loaded WSGI app after the worker has imported it.
"""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8100")
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = "sync"
timeout = 900  # a million-row export on a busy machine takes minutes
accesslog = None
loglevel = "warning"


def post_worker_init(worker):
    if os.environ.get("BENCH_COUNT_SQL") != "1":
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements = [0]
    served = [0]
    stats = os.open(
        os.path.join(os.environ["BENCH_STATS_DIR"], str(os.getpid())), os.O_CREAT | os.O_WRONLY
    )

    def count(*_args, **_kwargs):
        statements[0] += 1

    event.listen(Engine, "before_cursor_execute", count)
    app = worker.wsgi

    def counted(environ, start_response):
        statements[0] = 0

        def start(status, headers, exc_info=None):
            headers = [*headers, ("X-Bench-Statements", str(statements[0]))]
            return start_response(status, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            served[0] += 1
            os.pwrite(stats, str(served[0]).encode().ljust(20), 0)

    worker.wsgi = counted
