"""Rate limiting on the generated app (memory store): Directus's 429, the X-RateLimit headers,
the default windows, client IP derivation and what is exempt."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dxgen.runtime.config import Settings
from dxgen.runtime.ratelimit import DEFAULT_LIMITS, humanize_ms, limit_strings
from tests.conftest import Blog

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
CHEAP = "/no-such-route"  # limited like every route, and answers fast

# The HTTP layer, not the database, is under test here: the SQLite blog is enough.
ON_SQLITE = pytest.mark.parametrize("blog", ["sqlite"], indirect=True)


def limited(blog: Blog, **settings: Any) -> Flask:
    return blog.variant(RATE_LIMITER_ENABLED=True, **settings)


class FakeClock:
    """`time.time` that moves only when told to: windows expire without sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(time, "time", fake)
    return fake


def hit(client: FlaskClient, times: int, path: str = CHEAP, **kwargs: Any) -> list[Any]:
    return [client.get(path, **kwargs) for _ in range(times)]


@ON_SQLITE
def test_fourth_request_over_three_points_gets_directus_429(blog: Blog, clock: FakeClock) -> None:
    client = limited(blog, RATE_LIMITER_POINTS=3, RATE_LIMITER_DURATION=10).test_client()
    ok = hit(client, 3, "/items/tags?limit=1")
    assert [r.status_code for r in ok] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in ok} == {"3"}
    assert {r.headers["X-RateLimit-Reset"] for r in ok} == {str(math.ceil(clock.now + 10))}
    assert all("Retry-After" not in r.headers for r in ok)

    clock.now += 0.2
    response = client.get("/items/tags?limit=1")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    reset = datetime.fromtimestamp(clock.now + 9.8, UTC)
    expected_reset = reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z"
    assert response.get_json() == {
        "errors": [
            {
                "message": "Too many requests, retry after 10s.",
                "extensions": {"limit": 3, "reset": expected_reset, "code": "REQUESTS_EXCEEDED"},
            }
        ]
    }


@ON_SQLITE
def test_window_reopens_after_its_duration(blog: Blog, clock: FakeClock) -> None:
    client = limited(blog, RATE_LIMITER_POINTS=2, RATE_LIMITER_DURATION=60).test_client()
    assert [r.status_code for r in hit(client, 3)] == [404, 404, 429]
    clock.now += 30
    blocked = client.get(CHEAP)
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "30"
    assert blocked.get_json()["errors"][0]["message"] == "Too many requests, retry after 30s."
    clock.now += 30.5
    assert client.get(CHEAP).status_code == 404


@ON_SQLITE
def test_default_is_100_per_second(blog: Blog, clock: FakeClock) -> None:
    client = limited(blog).test_client()
    responses = hit(client, 101)
    assert [r.status_code for r in responses[:100]] == [404] * 100
    assert responses[0].headers["X-RateLimit-Limit"] == "100"
    assert responses[99].headers["X-RateLimit-Remaining"] == "0"
    error = responses[100].get_json()["errors"][0]
    assert responses[100].status_code == 429
    assert error["extensions"]["limit"] == 100
    assert ISO_MS.fullmatch(error["extensions"]["reset"])
    assert error["message"] == "Too many requests, retry after 1s."


@ON_SQLITE
def test_default_is_also_1000_per_minute(blog: Blog, clock: FakeClock) -> None:
    client = limited(blog).test_client()
    for second in range(10):
        responses = hit(client, 100)
        assert {r.status_code for r in responses} == {404}, second
        clock.now += 1.01
    # the minute window is now the tighter one: it is the one reported and enforced
    assert responses[-1].headers["X-RateLimit-Limit"] == "100"
    response = client.get(CHEAP)
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert response.get_json()["errors"][0]["extensions"]["limit"] == 1000
    assert response.get_json()["errors"][0]["message"] == "Too many requests, retry after 50s."


def test_points_and_duration_replace_both_defaults() -> None:
    defaults = Settings.load(environ={"SECRET": "s"}, env_file=None)
    assert limit_strings(defaults) == DEFAULT_LIMITS == ("100 per 1 second", "1000 per 1 minute")
    configured = Settings.load(
        environ={"SECRET": "s", "RATE_LIMITER_POINTS": "5000", "RATE_LIMITER_DURATION": "60"},
        env_file=None,
    )
    assert limit_strings(configured) == ("5000 per 60 second",)


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0ms"), (499, "499ms"), (1000, "1s"), (1499, "1s"), (1500, "2s"), (9800, "10s"),
     (60_000, "1m"), (90_000, "2m"), (3_600_000, "1h"), (86_400_000, "1d")],
)  # fmt: skip
def test_wait_is_written_like_directus_ms(ms: int, text: str) -> None:
    assert humanize_ms(ms) == text


@ON_SQLITE
def test_disabled_limiter_adds_nothing(blog: Blog) -> None:
    client = blog.variant(
        RATE_LIMITER_ENABLED=False, RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=9
    )
    responses = hit(client.test_client(), 3)
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert not any(h.startswith("X-RateLimit") for r in responses for h, _ in r.headers)


@ON_SQLITE
def test_server_ping_is_limited(blog: Blog, clock: FakeClock) -> None:
    client = limited(blog, RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=5).test_client()
    first, second = hit(client, 2, "/server/ping")
    assert (first.status_code, first.get_data(as_text=True)) == (200, "pong")
    assert second.status_code == 429


@ON_SQLITE
def test_preflight_is_not_limited(blog: Blog, clock: FakeClock) -> None:
    preflight = {"Origin": "http://a.test", "Access-Control-Request-Method": "GET"}
    for cors_enabled, status in ((True, 204), (False, 200)):
        app = limited(
            blog, RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=5, CORS_ENABLED=cors_enabled
        )
        client = app.test_client()
        answers = [client.options("/items/tags", headers=preflight) for _ in range(3)]
        assert [r.status_code for r in answers] == [status] * 3, cors_enabled
        assert client.get(CHEAP).status_code == 404  # the budget is untouched
        assert client.get(CHEAP).status_code == 429


@ON_SQLITE
def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(blog: Blog, clock: FakeClock) -> None:
    def statuses(app: Flask) -> list[int]:
        client = app.test_client()
        return [
            client.get(CHEAP, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in (1, 2, 3)
        ]

    one_point = {"RATE_LIMITER_POINTS": 1, "RATE_LIMITER_DURATION": 5}
    assert statuses(limited(blog, **one_point)) == [404, 429, 429]
    assert statuses(limited(blog, IP_TRUST_PROXY=True, **one_point)) == [404, 404, 404]


@ON_SQLITE
def test_custom_ip_header_names_the_client(blog: Blog, clock: FakeClock) -> None:
    app = limited(
        blog, IP_CUSTOM_HEADER="CF-Connecting-IP", RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=5
    )
    client = app.test_client()
    assert client.get(CHEAP, headers={"CF-Connecting-IP": "198.51.100.7"}).status_code == 404
    assert client.get(CHEAP, headers={"CF-Connecting-IP": "198.51.100.8"}).status_code == 404
    assert client.get(CHEAP, headers={"CF-Connecting-IP": "198.51.100.8"}).status_code == 429
    # not an IP: the header is ignored and the socket address counts (a fresh bucket here)
    assert client.get(CHEAP, headers={"CF-Connecting-IP": "nonsense"}).status_code == 404
    assert client.get(CHEAP, headers={"CF-Connecting-IP": "nonsense"}).status_code == 429


@ON_SQLITE
def test_ipv4_mapped_addresses_share_the_ipv4_bucket(blog: Blog, clock: FakeClock) -> None:
    app = limited(blog, IP_TRUST_PROXY=True, RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=5)
    client = app.test_client()
    assert client.get(CHEAP, headers={"X-Forwarded-For": "192.0.2.9"}).status_code == 404
    assert client.get(CHEAP, headers={"X-Forwarded-For": "::ffff:192.0.2.9"}).status_code == 429
