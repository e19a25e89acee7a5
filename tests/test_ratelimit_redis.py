"""Rate limiting with RATE_LIMITER_STORE=redis: gunicorn workers share one budget, and a Redis
outage at request time degrades to per-worker counting instead of failing requests."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from tests.conftest import Blog
from tests.services import REDIS_URL, unavailable
from tests.tcpproxy import TcpProxy
from tests.test_ratelimit import CHEAP, ON_SQLITE, FakeClock, clock  # noqa: F401 (a fixture)
from tests.test_server_process import gunicorn, served_dir  # noqa: F401 (a fixture)

WORKERS = 3
POINTS = 40
REQUESTS = 120


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """A prefix of this run's own, and its keys deleted afterwards (Redis is shared)."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as error:
        unavailable("redis", error)
    prefix = f"dxgen-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_gunicorn_workers_share_one_budget(served_dir: Path, key_prefix: str) -> None:  # noqa: F811
    env = {
        "DB_URL": f"sqlite:///{served_dir / 'blog.db'}",
        "RATE_LIMITER_ENABLED": "true",
        "RATE_LIMITER_STORE": "redis",
        "REDIS": REDIS_URL,
        "RATE_LIMITER_KEY_PREFIX": key_prefix,
        "RATE_LIMITER_POINTS": str(POINTS),
        "RATE_LIMITER_DURATION": "60",
        "IP_TRUST_PROXY": "true",  # a client IP of this test's own, apart from the boot probe
        "LOG_STYLE": "raw",
    }
    client_ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    with gunicorn(served_dir / "api", env, workers=WORKERS) as base:

        def call(_: int) -> tuple[int, dict[str, str], bytes]:
            return _call_from(client_ip, f"{base}{CHEAP}")

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(call, range(REQUESTS)))
    statuses = [status for status, _, _ in answers]
    assert statuses.count(404) == POINTS, statuses
    assert statuses.count(429) == REQUESTS - POINTS
    # the headers read the one shared counter (after the hit, so concurrent hits may show)
    remaining = {int(h["X-RateLimit-Remaining"]) for s, h, _ in answers if s == 404}
    assert 0 in remaining and max(remaining) < POINTS
    assert {h["X-RateLimit-Limit"] for _, h, _ in answers} == {str(POINTS)}
    assert len(_serving_pids(served_dir / "gunicorn.log", client_ip)) >= 2


def _call_from(ip: str, url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": ip})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _serving_pids(log: Path, client_ip: str) -> set[int]:
    """Worker pids that logged a request from `client_ip` (raw log lines carry the pid)."""
    pids = set()
    for line in log.read_text().splitlines():
        if line.startswith("{") and f'"remoteAddress":"{client_ip}"' in line:
            pids.add(json.loads(line)["pid"])
    return pids


@ON_SQLITE
def test_redis_outage_falls_back_to_memory_and_recovers(
    blog: Blog,
    key_prefix: str,
    clock: FakeClock,  # noqa: F811 (the fixture)
) -> None:
    target = urlsplit(REDIS_URL)
    with TcpProxy((target.hostname or "127.0.0.1", target.port or 6379)) as proxy:
        app = blog.variant(
            RATE_LIMITER_ENABLED=True,
            RATE_LIMITER_STORE="redis",
            REDIS=f"redis://127.0.0.1:{proxy.port}/{target.path.lstrip('/') or '0'}",
            RATE_LIMITER_KEY_PREFIX=key_prefix,
            RATE_LIMITER_POINTS=3,
            RATE_LIMITER_DURATION=60,
        )
        client = app.test_client()
        assert _remaining(client.get(CHEAP)) == "2"  # counted in Redis
        proxy.stop()
        during = [client.get(CHEAP) for _ in range(4)]
        # no 500: counting goes on in this process's memory, with the same limits
        assert [r.status_code for r in during] == [404, 404, 404, 429]
        assert [_remaining(r) for r in during] == ["2", "1", "0", "0"]
        assert b"Traceback" not in b"".join(r.data for r in during)
        proxy.start()
        clock.now += 100  # past flask-limiter's back-off before it probes Redis again
        # back on Redis: its window (real time) still holds the first hit; memory's has expired
        assert _remaining(client.get(CHEAP)) == "1"


def _remaining(response: Any) -> str:
    return response.headers["X-RateLimit-Remaining"]
