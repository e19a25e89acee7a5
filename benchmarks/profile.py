"""Profile the generated app's hot path on q1-q9 with pyinstrument, in process.

The app runs under Flask's test client (no HTTP server, no load tool), so every sample is the
app's own work: routing, query parsing, planning, SQL compilation, execution, row assembly,
serialisation. For each query the script prints the CPU time per request of the generated app
and of the reference (measured without the profiler), and the generated app's call tree.

    .venv/bin/python -m benchmarks.profile [--requests 200] [--html DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from pyinstrument import Profiler

from benchmarks import database
from benchmarks.appgen import generate_app, grant_public_access
from benchmarks.queries import QUERIES
from benchmarks.run import COLLECTIONS
from benchmarks.targets import target_env


def _clients(db_url: str, app_dir: Path) -> dict[str, Any]:
    """Test clients of the generated app and of the reference, in this process."""
    os.environ.update(target_env(db_url))
    sys.path.insert(0, str(app_dir))
    generated = importlib.import_module("app").create_app()
    from benchmarks.reference.app import create_app

    return {"dxgen": generated.test_client(), "reference": create_app().test_client()}


def _cpu_ms_per_request(client: Any, path: str, requests: int) -> float:
    """CPU time of this process per request (SQLite runs in process, so its work counts):
    unlike wall time, it does not grow when other jobs compete for the machine."""
    client.get(path)  # warm caches and the connection pool
    started = time.process_time()
    for _ in range(requests):
        response = client.get(path)
        assert response.status_code == 200, response.data[:300]
    return 1000 * (time.process_time() - started) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--queries", default="q1,q2,q3,q4,q5,q6,q7,q8,q9")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dxgen-bench"))
    parser.add_argument("--html", type=Path, help="also write one HTML profile per query here")
    args = parser.parse_args(argv)
    db = database.prepare("sqlite", args.articles, args.workdir)
    app_dir = args.workdir / "api"
    generate_app(db.url, app_dir)
    grant_public_access(app_dir, target_env(db.url), COLLECTIONS, ("articles",))
    clients = _clients(db.url, app_dir)
    for query in (q for q in QUERIES if q.name in args.queries.split(",")):
        count = max(1, args.requests // (20 if query.name == "q7" else 1))
        reference = _cpu_ms_per_request(clients["reference"], query.path, count)
        generated = _cpu_ms_per_request(clients["dxgen"], query.path, count)
        profiler = Profiler(interval=0.0005)
        with profiler:
            _cpu_ms_per_request(clients["dxgen"], query.path, count)
        print(f"## {query.name} {query.path}")
        print(
            f"CPU per request (unprofiled): dxgen {generated:.2f} ms, reference "
            f"{reference:.2f} ms ({generated / reference:.2f}x), {count} requests\n"
        )
        print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            (args.html / f"{query.name}.html").write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
