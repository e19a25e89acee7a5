"""/server/ping, /server/health, /server/info and /server/specs/oas on the generated blog app.

Callers authenticate with static tokens (the test client is the bootstrapped admin). Only the
database-down tests set `flask.g.accountability` directly: with the database gone no token can be
checked, and the health report itself is what is under test there.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from dxgen import __version__
from dxgen.runtime import drift, server
from dxgen.runtime.accountability import Accountability
from tests.auth_helpers import ADMIN_HEADER, anonymous, create_user
from tests.conftest import Blog, assert_error
from tests.services import REDIS_URL, unavailable

ADMIN = Accountability(user="00000000-0000-4000-8000-000000000001", role="admin", admin=True)
EDITOR = Accountability(user="00000000-0000-4000-8000-000000000002", role="editor")
CHECK_PREFIX = {"sqlite": "sqlite3", "postgresql": "pg", "mariadb": "mysql"}
DOWN_URLS = {  # nothing listens on port 1; SQLite cannot create a file in a missing directory
    "sqlite": "sqlite:////nonexistent-dir/blog.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/blog",
    "mariadb": "mysql+pymysql://root@127.0.0.1:1/blog",
}


def as_caller(app: Flask, who: Accountability) -> FlaskClient:
    """A client whose every request is made by `who`, whatever authentication found."""

    def identify() -> None:
        g.accountability = who

    app.before_request(identify)
    return FlaskClient(app, app.response_class)


def user_client(app: Flask) -> FlaskClient:
    """A client authenticated as a new user without admin access (a static token)."""
    token = f"user-token-{uuid.uuid4().hex}"
    create_user(app, f"{token}@example.com", token=token)

    class UserClient(FlaskClient):
        def open(self, *args: Any, **kwargs: Any) -> Any:
            return super().open(*args, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return UserClient(app, app.response_class)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
def test_ping_is_plain_pong_whatever_the_token(blog: Blog, headers: dict[str, str]) -> None:
    response = anonymous(blog.app).get("/server/ping", headers=headers)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.get_data(as_text=True) == "pong"


def test_health_refuses_anonymous_callers(blog: Blog) -> None:
    assert_error(
        anonymous(blog.app).get("/server/health"),
        403,
        "FORBIDDEN",
        "You don't have permission to access this.",
    )


def test_health_for_admins_checks_the_database(blog: Blog) -> None:
    response = blog.get("/server/health")
    assert response.status_code == 200
    assert response.content_type == "application/health+json"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["releaseId"] == __version__
    assert body["serviceId"] == "/"
    [check] = body["checks"][f"{CHECK_PREFIX[blog.backend]}:responseTime"]
    assert check["status"] == "ok"
    assert check["componentType"] == "datastore"
    assert check["observedUnit"] == "ms"
    assert check["threshold"] == 150
    assert 0 < check["observedValue"] < 150


def test_health_for_other_users_is_the_status_only(blog: Blog) -> None:
    response = user_client(blog.app).get("/server/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("who", [ADMIN, EDITOR], ids=["admin", "user"])
def test_health_is_503_when_the_database_is_down(blog: Blog, who: Accountability) -> None:
    down = as_caller(blog.variant(DB_URL=DOWN_URLS[blog.backend]), who)
    response = down.get("/server/health")
    assert response.status_code == 503
    assert response.content_type == "application/health+json"
    body = response.get_json()
    assert body["status"] == "error"
    if who.admin:
        [check] = body["checks"][f"{CHECK_PREFIX[blog.backend]}:responseTime"]
        assert check["status"] == "error"
        assert check["output"] == "Can't connect to the database."


def test_a_token_cannot_be_checked_when_the_database_is_down(blog: Blog) -> None:
    down = blog.variant(DB_URL=DOWN_URLS[blog.backend])
    response = FlaskClient(down, down.response_class).get("/server/health", headers=ADMIN_HEADER)
    assert_error(response, 503, "SERVICE_UNAVAILABLE")


def test_health_can_be_disabled(blog: Blog) -> None:
    app = blog.variant(HEALTHCHECK_ENABLED=False)
    assert_error(app.test_client().get("/server/health"), 404, "ROUTE_NOT_FOUND")


def test_health_reports_the_connection_pool(blog: Blog) -> None:
    checks = blog.get("/server/health").get_json()["checks"]
    prefix = CHECK_PREFIX[blog.backend]
    [used] = checks[f"{prefix}:connectionsUsed"]
    [available] = checks[f"{prefix}:connectionsAvailable"]
    assert used["observedValue"] == 0  # the health check's own connection is back in the pool
    assert available["observedValue"] >= 1


def test_info_for_anonymous_callers_is_the_project_only(blog: Blog) -> None:
    response = anonymous(blog.app).get("/server/info")
    assert response.status_code == 200
    assert response.get_json() == {"data": {"project": {"project_name": "dxgen"}}}


def test_info_for_users_adds_version_and_limits(blog: Blog) -> None:
    app = blog.variant(PROJECT_NAME="Blog", QUERY_LIMIT_MAX=500, RATE_LIMITER_ENABLED=True)
    data = user_client(app).get("/server/info").get_json()["data"]
    assert data["project"] == {"project_name": "Blog"}
    assert data["version"] == __version__
    assert data["queryLimit"] == {"default": 100, "max": 500}
    assert data["rateLimit"] == {"points": 100, "duration": 1}
    assert data["rateLimitGlobal"] is False


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"RATE_LIMITER_ENABLED": False}, False),
        (
            {"RATE_LIMITER_ENABLED": True, "RATE_LIMITER_POINTS": 50, "RATE_LIMITER_DURATION": 10},
            {"points": 50, "duration": 10},
        ),
    ],
)
def test_info_reports_the_configured_rate_limit(
    blog: Blog, settings: dict[str, Any], expected: Any
) -> None:
    app = blog.variant(**settings)
    assert user_client(app).get("/server/info").get_json()["data"]["rateLimit"] == expected


def test_openapi_document_is_served(blog: Blog) -> None:
    response = blog.get("/server/specs/oas")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_data() == (blog.out / f"blog_{blog.backend}" / "openapi.json").read_bytes()
    assert response.get_json()["openapi"].startswith("3.1")


def test_openapi_can_be_disabled(blog: Blog) -> None:
    app = blog.variant(OPENAPI_ENABLED=False)
    assert_error(app.test_client().get("/server/specs/oas"), 404, "ROUTE_NOT_FOUND")


def test_health_includes_the_schema_drift_check(blog: Blog) -> None:
    app = blog.variant()
    rt = app.extensions["dxgen"]
    rt.schema_fingerprint = drift.live_fingerprint(rt.engine, drift.tables_of(rt.registry.values()))
    client = app.test_client()
    body = client.get("/server/health").get_json()
    assert body["status"] == "ok"
    assert body["checks"][drift.CHECK_NAME][0]["status"] == "ok"
    rt.schema_fingerprint = "generated-from-another-schema"
    response = client.get("/server/health")
    assert response.status_code == 503
    [check] = response.get_json()["checks"][drift.CHECK_NAME]
    assert check["status"] == "error"
    assert "run `dxgen generate` again" in check["output"]


def test_openapi_hides_collections_the_caller_cannot_read(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    install = server.install
    monkeypatch.setattr(
        server, "install", lambda app, _readable: install(app, lambda c: c != "authors")
    )
    response = blog.variant().test_client().get("/server/specs/oas")
    document = response.get_json()
    validate(document)  # no reference dangles
    assert "/items/authors" not in document["paths"]
    assert "/items/articles" in document["paths"]
    assert "ItemsAuthors" not in document["components"]["schemas"]
    author = document["components"]["schemas"]["ItemsArticles"]["properties"]["author_id"]
    assert author == {"anyOf": [{"type": "integer"}, {"type": "object"}]}


def test_health_reports_the_rate_limiters_redis(blog: Blog) -> None:
    try:
        app = blog.variant(
            RATE_LIMITER_ENABLED=True,
            RATE_LIMITER_STORE="redis",
            REDIS=REDIS_URL,
            RATE_LIMITER_KEY_PREFIX=f"dxgen-health-{uuid.uuid4().hex[:8]}:",
        )
    except Exception as error:  # Redis down: the app refuses to start
        unavailable("redis", error)
    body = app.test_client().get("/server/health").get_json()
    (check,) = body["checks"]["rateLimiter:responseTime"]
    assert check["status"] == "ok" and check["componentType"] == "cache"
    down = server.redis_checks("redis://127.0.0.1:1/0")["rateLimiter:responseTime"][0]
    assert down["status"] == "warn" and "per worker" in down["output"]
