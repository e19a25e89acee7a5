"""CORS on the generated app, header for header as Directus answers (contract §9)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from dxgen.runtime.config import ConfigError, Settings
from dxgen.runtime.cors import CorsPolicy, parse_origin
from tests.conftest import Blog
from tests.test_ratelimit import ON_SQLITE

ORIGIN = "http://example.com"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"}


def cors_client(blog: Blog, **settings: Any) -> FlaskClient:
    return blog.variant(CORS_ENABLED=True, **settings).test_client()


def cors_headers(response: Any) -> dict[str, str]:
    """The CORS-related headers of a response (Vary included), by name."""
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("Access-Control-") or name == "Vary"
    }


@ON_SQLITE
def test_preflight_with_origin_true_matches_directus(blog: Blog) -> None:
    response = cors_client(blog, CORS_ORIGIN="true").options("/items/articles", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET,POST,PATCH,DELETE",
        "Access-Control-Allow-Headers": "Content-Type,Authorization",
        "Access-Control-Max-Age": "18000",
        "Access-Control-Expose-Headers": "Content-Range",
    }


@ON_SQLITE
def test_simple_request_with_origin_gets_origin_vary_credentials_expose(blog: Blog) -> None:
    response = cors_client(blog, CORS_ORIGIN="true").get(
        "/items/tags?limit=1", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "Content-Range",
    }


@ON_SQLITE
def test_request_without_origin_gets_no_allow_origin_but_the_rest(blog: Blog) -> None:
    response = cors_client(blog, CORS_ORIGIN="true").get("/items/tags?limit=1")
    assert cors_headers(response) == {
        "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "Content-Range",
    }


@ON_SQLITE
def test_disabled_cors_sends_no_cors_headers(blog: Blog) -> None:
    client = blog.variant(CORS_ENABLED=False, CORS_ORIGIN="true").test_client()
    assert cors_headers(client.get("/items/tags?limit=1", headers={"Origin": ORIGIN})) == {}
    preflight = client.options("/items/articles", headers=PREFLIGHT)
    assert preflight.status_code == 200  # Flask's own OPTIONS answer, as Directus routes it on
    assert cors_headers(preflight) == {}


@ON_SQLITE
def test_enabled_cors_reflects_by_default(blog: Blog) -> None:
    """Directus passes `CORS_ORIGIN || true`: the default `false` reflects once enabled."""
    response = cors_client(blog).get("/items/tags?limit=1", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    ("setting", "origin", "allow_origin", "vary"),
    [
        ("*", ORIGIN, "*", None),
        ("*", None, "*", None),
        ("https://app.example.org", ORIGIN, "https://app.example.org", "Origin"),
        ("https://a.test,http://example.com", ORIGIN, ORIGIN, "Origin"),
        ("https://a.test, https://b.test", ORIGIN, None, "Origin"),
        ('["https://a.test", "http://example.com"]', ORIGIN, ORIGIN, "Origin"),
        (r"regex:^https?://.*\.com$", ORIGIN, ORIGIN, "Origin"),
        (r"regex:^https://.*\.org$", ORIGIN, None, "Origin"),
        (r"https://a.test,regex:example\.com$", ORIGIN, ORIGIN, "Origin"),
    ],
)
def test_origin_forms(
    setting: str, origin: str | None, allow_origin: str | None, vary: str | None
) -> None:
    settings = Settings.load(
        environ={"SECRET": "s", "CORS_ENABLED": "true", "CORS_ORIGIN": setting}, env_file=None
    )
    response = Response()
    with Flask(__name__).test_request_context(headers={"Origin": origin} if origin else {}):
        CorsPolicy.from_settings(settings).apply(response, preflight=False)
    assert response.headers.get("Access-Control-Allow-Origin") == allow_origin
    assert response.headers.get("Vary") == vary
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


@ON_SQLITE
def test_unlisted_origin_preflight_is_answered_without_allow_origin(blog: Blog) -> None:
    client = cors_client(blog, CORS_ORIGIN="https://a.test,https://b.test")
    response = client.options("/items/articles", headers=PREFLIGHT)
    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,PATCH,DELETE"


@ON_SQLITE
def test_configured_lists_and_switches(blog: Blog) -> None:
    client = cors_client(
        blog,
        CORS_ORIGIN="true",
        CORS_METHODS="GET, SEARCH",
        CORS_ALLOWED_HEADERS="X-One,X-Two",
        CORS_EXPOSED_HEADERS="Content-Range,X-Request-Id",
        CORS_CREDENTIALS=False,
        CORS_MAX_AGE=0,
    )
    response = client.options("/items/articles", headers=PREFLIGHT)
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Vary": "Origin",
        "Access-Control-Allow-Methods": "GET,SEARCH",
        "Access-Control-Allow-Headers": "X-One,X-Two",
        "Access-Control-Expose-Headers": "Content-Range,X-Request-Id",
    }


@ON_SQLITE
def test_empty_allowed_headers_reflect_the_requested_ones(blog: Blog) -> None:
    client = cors_client(blog, CORS_ALLOWED_HEADERS="")
    response = client.options(
        "/items/articles", headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-custom"}
    )
    assert response.headers["Access-Control-Allow-Headers"] == "x-custom"
    assert response.headers["Vary"] == "Origin, Access-Control-Request-Headers"


@ON_SQLITE
def test_preflight_is_answered_before_routing_rate_limiting_and_auth(blog: Blog) -> None:
    client = cors_client(
        blog, RATE_LIMITER_ENABLED=True, RATE_LIMITER_POINTS=1, RATE_LIMITER_DURATION=60
    )
    for path in ("/items/articles", "/no-such-route", "/users/me"):
        response = client.options(path, headers={**PREFLIGHT, "Authorization": "Bearer junk"})
        assert response.status_code == 204, path
        assert "X-RateLimit-Limit" not in response.headers


@ON_SQLITE
def test_error_responses_carry_cors_headers(blog: Blog) -> None:
    client = cors_client(blog, RATE_LIMITER_ENABLED=True)
    response = client.get("/items/articles?filter[views][_gt]=lots", headers={"Origin": ORIGIN})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "Content-Range"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("regex:^(https://", "CORS_ORIGIN has an invalid regular expression"),
        ('["https://a.test"', "CORS_ORIGIN is not a valid JSON array"),
        ("[1, 2]", "CORS_ORIGIN as JSON must be an array of strings"),
    ],
)
def test_bad_origin_setting_stops_start_up(setting: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        parse_origin(setting)


@ON_SQLITE
def test_bad_origin_setting_stops_the_generated_app(blog: Blog) -> None:
    with pytest.raises(ConfigError, match="CORS_ORIGIN"):
        blog.variant(CORS_ENABLED=True, CORS_ORIGIN="regex:(")
