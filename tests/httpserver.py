"""Serve a Flask app over real HTTP for the duration of a test (for clients that are not
Flask's test client: `@directus/sdk` under node, browsers, load tools)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from tests.auth_helpers import ensure_admin


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The base URL of `app` served on a free loopback port (its admin bootstrapped)."""
    ensure_admin(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
