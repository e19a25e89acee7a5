"""CORS on the generated app, header for header as Directus answers (contract §9), except for
the deliberate differences listed in `dxgen.runtime.cors`."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dxgen.runtime import cors
from dxgen.runtime.config import ConfigError, Settings
from dxgen.runtime.cors import parse_origin
from tests.conftest import Blog
from tests.test_ratelimit import ON_SQLITE

ORIGIN = "http://example.com"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"}
GRANTED = {  # what every request from ORIGIN gets with the defaults and CORS_ORIGIN=true
    "Access-Control-Allow-Origin": ORIGIN,
    "Vary": "Origin",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "Content-Range",
}


def cors_client(blog: Blog, **settings: Any) -> FlaskClient:
    return blog.variant(CORS_ENABLED=True, **settings).test_client()


def bare_client(**environ: str) -> FlaskClient:
    """A one-route app with only the CORS layer, configured from `environ`."""
    settings = Settings.load(
        environ={"SECRET": "s", "CORS_ENABLED": "true", **environ}, env_file=None
    )
    app = Flask(__name__)
    app.test_client_class = FlaskClient  # no database, so no admin login (conftest's default)
    app.extensions["dxgen"] = SimpleNamespace(settings=settings)
    cors.install(app)
    app.add_url_rule("/", "ok", lambda: "ok")
    return app.test_client()


def cors_headers(response: Any) -> dict[str, str]:
    """The CORS-related headers of a response (Vary included), by name; each once."""
    names = {name for name, _ in response.headers.items()}
    assert len(names) == len(response.headers), "a header is sent twice"
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
    assert cors_headers(response) == GRANTED


@ON_SQLITE
def test_request_without_origin_gets_only_vary(blog: Blog) -> None:
    """Deliberate: Directus also sends credentials and exposed headers, which no browser reads
    on a request without an Origin."""
    response = cors_client(blog, CORS_ORIGIN="true").get("/items/tags?limit=1")
    assert cors_headers(response) == {"Vary": "Origin"}


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


APP = "https://app.example.org"


@pytest.mark.parametrize(
    ("setting", "origin", "allow_origin", "vary"),
    [
        ("true", ORIGIN, ORIGIN, "Origin"),
        ("true", None, None, "Origin"),
        ("*", ORIGIN, "*", None),
        ("*", None, "*", None),
        (APP, APP, APP, "Origin"),
        (APP, ORIGIN, None, "Origin"),  # deliberate: Directus sends APP, the browser refuses
        (APP, None, None, "Origin"),
        (APP, APP.upper(), None, "Origin"),  # exact, as Directus (flask-cors ignores case)
        ("http://[::1]:8055", "http://[::1]:8055", "http://[::1]:8055", "Origin"),
        ("http://[::1]:8055", "http://1:8055", None, "Origin"),  # brackets are not a regex
        ("https://a.test,http://example.com", ORIGIN, ORIGIN, "Origin"),
        ("https://a.test, https://b.test", ORIGIN, None, "Origin"),
        ('["https://a.test", "http://example.com"]', ORIGIN, ORIGIN, "Origin"),
        ('["https://a.test"]', ORIGIN, None, "Origin"),
        (r"regex:^https?://.*\.com$", ORIGIN, ORIGIN, "Origin"),
        (r"regex:^https://.*\.org$", ORIGIN, None, "Origin"),
        (r"regex:example\.com$", ORIGIN, ORIGIN, "Origin"),  # searched, as RegExp#test
        (r"regex:^example\.com$", ORIGIN, None, "Origin"),
        (r"https://a.test,regex:example\.com$", ORIGIN, ORIGIN, "Origin"),
    ],
)
def test_origin_forms(
    setting: str, origin: str | None, allow_origin: str | None, vary: str | None
) -> None:
    response = bare_client(CORS_ORIGIN=setting).get(
        "/", headers={"Origin": origin} if origin else {}
    )
    headers = cors_headers(response)
    assert headers.get("Access-Control-Allow-Origin") == allow_origin
    assert headers.get("Vary") == vary
    granted = allow_origin is not None
    assert headers.get("Access-Control-Expose-Headers") == ("Content-Range" if granted else None)
    credentials = "true" if granted and allow_origin != "*" else None
    assert headers.get("Access-Control-Allow-Credentials") == credentials


def test_wildcard_preflight_without_credentials() -> None:
    """Deliberate: with `*` Directus also sends `Allow-Credentials: true`, which a browser
    ignores next to a wildcard (and flask-cors refuses to combine)."""
    response = bare_client(CORS_ORIGIN="*").options("/", headers=PREFLIGHT)
    assert response.status_code == 204
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET,POST,PATCH,DELETE",
        "Access-Control-Allow-Headers": "Content-Type,Authorization",
        "Access-Control-Max-Age": "18000",
        "Access-Control-Expose-Headers": "Content-Range",
    }


@ON_SQLITE
def test_unlisted_origin_preflight_is_answered_without_cors_headers(blog: Blog) -> None:
    """Deliberate: Directus also sends methods, headers and max age, which the browser never
    reads once the origin is refused."""
    client = cors_client(blog, CORS_ORIGIN="https://a.test,https://b.test")
    response = client.options("/items/articles", headers=PREFLIGHT)
    assert response.status_code == 204
    assert cors_headers(response) == {"Vary": "Origin"}


def test_preflight_for_an_unlisted_method_gets_no_preflight_headers() -> None:
    """Deliberate: Directus lists the methods anyway; the browser refuses `PUT` either way."""
    response = bare_client(CORS_ORIGIN="true").options(
        "/", headers={**PREFLIGHT, "Access-Control-Request-Method": "PUT"}
    )
    assert response.status_code == 204
    assert cors_headers(response) == GRANTED


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
    response = client.options(
        "/items/articles", headers={**PREFLIGHT, "Access-Control-Request-Method": "SEARCH"}
    )
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


def test_configured_allowed_headers_are_sent_verbatim_whatever_is_requested() -> None:
    client = bare_client(CORS_ALLOWED_HEADERS="Content-Type, Authorization,X-Custom")
    for requested in ({}, {"Access-Control-Request-Headers": "x-custom"}):
        response = client.options("/", headers={**PREFLIGHT, **requested})
        assert response.headers["Access-Control-Allow-Headers"] == (
            "Content-Type,Authorization,X-Custom"
        )
        assert response.headers["Vary"] == "Origin"


@ON_SQLITE
def test_preflight_is_answered_before_routing_rate_limiting_and_auth(blog: Blog) -> None:
    client = cors_client(
        blog,
        RATE_LIMITER_ENABLED=True,
        RATE_LIMITER_POINTS=1,
        RATE_LIMITER_DURATION=60,
        QUERYSTRING_MAX_LENGTH=256,
    )
    too_long = "/items/articles?" + "x" * 300
    for path in ("/items/articles", "/no-such-route", "/users/me", too_long):
        response = client.options(path, headers={**PREFLIGHT, "Authorization": "Bearer junk"})
        assert response.status_code == 204, path
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN, path
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
