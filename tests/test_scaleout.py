"""Scale-out: 4 gunicorn workers sharing PostgreSQL (sessions, users) and Redis (rate limit).

A login served by one worker must be refreshable on any other, and a rotated refresh token must
be refused by every worker: the database is the only session state.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.auth_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, bootstrap_url
from tests.conftest import generate_app, load_builder
from tests.services import REDIS_URL, fresh_database, unavailable
from tests.test_server_process import gunicorn

WORKERS = 4
CYCLES = 12


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        unavailable("redis", error)
    tmp = tmp_path_factory.mktemp("scaleout")
    prefix = f"dxgen-scaleout-{uuid.uuid4().hex[:8]}:"
    with fresh_database("postgresql", tmp) as url:
        load_builder().build(url)
        bootstrap_url(url)
        generate_app(url, tmp / "api", "scaleout_app")
        env = {
            "DB_URL": url,
            "LOG_STYLE": "raw",
            "LOGIN_STALL_TIME": "0",
            "RATE_LIMITER_ENABLED": "true",
            "RATE_LIMITER_STORE": "redis",
            "REDIS": REDIS_URL,
            "RATE_LIMITER_KEY_PREFIX": prefix,
            "RATE_LIMITER_POINTS": "100000",
            "RATE_LIMITER_DURATION": "60",
        }
        try:
            with gunicorn(tmp / "api", env, workers=WORKERS) as base:
                yield base, tmp / "gunicorn.log"
        finally:
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)


def _request(
    base: str, method: str, path: str, body: dict | None = None, token: str = ""
) -> tuple[int, dict]:
    """One anonymous (or `token`-bearing) request; `_call` would add the admin's token."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, json.loads(text) if text else {}


def _post(base: str, path: str, body: dict) -> tuple[int, dict]:
    return _request(base, "POST", path, body)


def _pids_by_request(log: Path) -> dict[str, int]:
    """request id -> the pid of the worker that served it (from the JSON request log)."""
    pids = {}
    for line in log.read_text().splitlines():
        if line.startswith("{") and '"req"' in line:
            record = json.loads(line)
            pids[record["req"]["url"] + "#" + record["req"]["id"]] = record["pid"]
    return pids


def test_login_and_refresh_work_across_workers(cluster: tuple[str, Path]) -> None:
    base, log = cluster
    for _ in range(CYCLES):
        status, login = _post(
            base, "/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert status == 200, login
        token = login["data"]["refresh_token"]
        status, refreshed = _post(base, "/auth/refresh", {"refresh_token": token})
        assert status == 200, refreshed
        status, reused = _post(base, "/auth/refresh", {"refresh_token": token})
        assert status == 401 and reused["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
        access = refreshed["data"]["access_token"]
        status, me = _request(base, "GET", "/users/me", token=access)
        assert status == 200 and me["data"]["email"] == ADMIN_EMAIL
    pids = _pids_by_request(log)
    logins = [pid for key, pid in pids.items() if key.startswith("/auth/login#")]
    refreshes = [pid for key, pid in pids.items() if key.startswith("/auth/refresh#")]
    assert len(logins) == CYCLES and len(refreshes) == 2 * CYCLES
    # the same sessions were served by several processes
    assert len(set(logins) | set(refreshes)) >= 2
