"""A database outage under 4 gunicorn workers on PostgreSQL: 503 quickly, then recovery.

The app reaches PostgreSQL through a TCP proxy this test controls (the shared server itself must
keep running). Cutting the proxy is the outage: every request during it must answer Directus's
503 SERVICE_UNAVAILABLE envelope within a few seconds, never a 500 and never a hang. Restoring
the proxy is the database coming back: the same server processes must answer 200 again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.auth_helpers import bootstrap_url
from tests.conftest import Blog, assert_error, generate_app, load_builder
from tests.services import fresh_database
from tests.tcpproxy import TcpProxy
from tests.test_server_process import _call, gunicorn

WORKERS = 4
# Enough requests that every worker (and its pool) meets the outage.
ROUNDS = 3 * WORKERS
QUICK = 3.0  # seconds: refused connections must be noticed at once
CONNECT_TIMEOUT = 2  # seconds, set in DB_URL for the unresponsive-host case


@dataclass
class Outage:
    base: str
    proxy: TcpProxy
    log: Path


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    tmp = tmp_path_factory.mktemp("outage")
    with fresh_database("postgresql", tmp) as url:
        load_builder().build(url)
        bootstrap_url(url)
        generate_app(url, tmp / "api", "outage_app")
        real = sa.make_url(url)
        with TcpProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
            proxied = real.set(port=proxy.port).update_query_dict(
                {"connect_timeout": str(CONNECT_TIMEOUT)}
            )
            env = {"DB_URL": proxied.render_as_string(hide_password=False)}
            with gunicorn(tmp / "api", env, workers=WORKERS) as base:
                yield Outage(base, proxy, tmp / "gunicorn.log")


def _requests(base: str) -> list[tuple[str, str, object | None]]:
    """A read, an item read, a relational read and a write: every path to the database."""
    return [
        ("GET", f"{base}/items/tags?fields=id,name&limit=2", None),
        ("GET", f"{base}/items/articles/1?fields=id,author_id.name", None),
        ("GET", f"{base}/items/articles?aggregate[count]=*", None),
        ("POST", f"{base}/items/tags", {"name": f"outage-{time.monotonic_ns()}"}),
    ]


def _assert_unavailable(method: str, url: str, body: object | None, limit: float) -> None:
    started = time.monotonic()
    status, _, raw = _call(method, url, body)
    elapsed = time.monotonic() - started
    assert status == 503, (method, url, status, raw[:300])
    error = json.loads(raw)["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["service"] == "database"
    assert error["message"] == (
        f'Service "database" is unavailable. {error["extensions"]["reason"]}.'
    )
    assert elapsed < limit, f"{method} {url} took {elapsed:.1f} s"


def _assert_serving(base: str) -> None:
    for _ in range(ROUNDS // 2):
        for method, url, body in _requests(base):
            status, _, raw = _call(method, url, body)
            assert status == 200, (method, url, status, raw[:300])


def _wait_until_serving(base: str, deadline: float) -> None:
    """The first request after the database is back may meet a stale connection; within a few
    seconds every one must succeed."""
    url = f"{base}/items/tags?fields=id&limit=1"
    while _call("GET", url)[0] != 200:
        assert time.monotonic() < deadline, "the app did not recover"
        time.sleep(0.1)


def test_outage_answers_503_quickly_and_recovers(outage: Outage) -> None:
    _assert_serving(outage.base)  # every worker holds pooled connections now
    outage.proxy.stop()
    try:
        for _ in range(ROUNDS // 4):
            for method, url, body in _requests(outage.base):
                _assert_unavailable(method, url, body, QUICK)
    finally:
        outage.proxy.start()
    _wait_until_serving(outage.base, time.monotonic() + 10)
    _assert_serving(outage.base)


def test_unresponsive_database_answers_503_after_the_connect_timeout(outage: Outage) -> None:
    """A host that accepts connections but never answers: bounded by the connect timeout."""
    _assert_serving(outage.base)
    outage.proxy.blackhole()
    try:
        for method, url, body in _requests(outage.base)[:2]:
            _assert_unavailable(method, url, body, CONNECT_TIMEOUT * 2 + 2)
    finally:
        outage.proxy.start()
    _wait_until_serving(outage.base, time.monotonic() + 10)
    _assert_serving(outage.base)


def test_outages_left_no_unhandled_errors(outage: Outage) -> None:
    """Runs after the outages above: they were answered, not crashed through."""
    log = outage.log.read_text()
    assert "database unavailable on" in log
    assert "Traceback" not in log
    assert "unhandled error" not in log


def test_exhausted_pool_answers_503(blog: Blog) -> None:
    """Every pooled connection busy for DB_POOL_TIMEOUT: 503 after that timeout, not a hang."""
    if blog.backend == "sqlite":
        pytest.skip("SQLite apps use SQLite's own pool, without a size or timeout")
    app = blog.variant(DB_POOL_SIZE=1, DB_POOL_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=1)
    client = app.test_client()
    assert client.get("/items/tags?fields=id&limit=1").status_code == 200
    engine = app.extensions["dxgen"].engine
    try:
        with engine.connect():  # the pool's only connection
            started = time.monotonic()
            response = client.get("/items/tags?fields=id&limit=1")
            elapsed = time.monotonic() - started
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
        reason = response.get_json()["errors"][0]["extensions"]["reason"]
        assert reason == "No database connection available in time"
        assert 1 <= elapsed < QUICK
        assert client.get("/items/tags?fields=id&limit=1").status_code == 200
    finally:
        engine.dispose()
