"""/server/ping, /server/health, /server/info and /server/specs/oas on the generated blog app.

Callers are set through `flask.g.accountability` by a test-only before_request, which runs after
the app's own authentication and so stands for whoever authentication would have found.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g

from dxgen import __version__
from dxgen.runtime.accountability import Accountability
from tests.conftest import Blog, assert_error

ADMIN = Accountability(user="00000000-0000-4000-8000-000000000001", role="admin", admin=True)
EDITOR = Accountability(user="00000000-0000-4000-8000-000000000002", role="editor")
CHECK_PREFIX = {"sqlite": "sqlite3", "postgresql": "pg", "mariadb": "mysql"}
DOWN_URLS = {  # nothing listens on port 1; SQLite cannot create a file in a missing directory
    "sqlite": "sqlite:////nonexistent-dir/blog.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/blog",
    "mariadb": "mysql+pymysql://root@127.0.0.1:1/blog",
}


def as_caller(app: Flask, who: Accountability) -> Flask:
    """Every request of `app` is made by `who`."""

    def identify() -> None:
        g.accountability = who

    app.before_request(identify)
    return app


@pytest.fixture
def admin_app(blog: Blog) -> Flask:
    return as_caller(blog.variant(), ADMIN)


def test_ping_is_plain_pong(blog: Blog) -> None:
    response = blog.get("/server/ping")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.get_data(as_text=True) == "pong"


def test_health_refuses_anonymous_callers(blog: Blog) -> None:
    assert_error(
        blog.get("/server/health"), 403, "FORBIDDEN", "You don't have permission to access this."
    )


def test_health_for_admins_checks_the_database(blog: Blog, admin_app: Flask) -> None:
    response = admin_app.test_client().get("/server/health")
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
    response = as_caller(blog.variant(), EDITOR).test_client().get("/server/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("who", [ADMIN, EDITOR], ids=["admin", "user"])
def test_health_is_503_when_the_database_is_down(blog: Blog, who: Accountability) -> None:
    down = as_caller(blog.variant(DB_URL=DOWN_URLS[blog.backend]), who)
    response = down.test_client().get("/server/health")
    assert response.status_code == 503
    assert response.content_type == "application/health+json"
    body = response.get_json()
    assert body["status"] == "error"
    if who.admin:
        [check] = body["checks"][f"{CHECK_PREFIX[blog.backend]}:responseTime"]
        assert check["status"] == "error"
        assert check["output"] == "Can't connect to the database."


def test_health_can_be_disabled(blog: Blog) -> None:
    app = as_caller(blog.variant(HEALTHCHECK_ENABLED=False), ADMIN)
    assert_error(app.test_client().get("/server/health"), 404, "ROUTE_NOT_FOUND")


def test_health_reports_the_pool_where_it_can(blog: Blog, admin_app: Flask) -> None:
    checks = admin_app.test_client().get("/server/health").get_json()["checks"]
    prefix = CHECK_PREFIX[blog.backend]
    [used] = checks[f"{prefix}:connectionsUsed"]
    [available] = checks[f"{prefix}:connectionsAvailable"]
    assert used["observedValue"] == 0  # the health check's own connection is back in the pool
    assert available["observedValue"] >= 1


def test_info_for_anonymous_callers_is_the_project_only(blog: Blog) -> None:
    response = blog.get("/server/info")
    assert response.status_code == 200
    assert response.get_json() == {"data": {"project": {"project_name": "dxgen"}}}


def test_info_for_users_adds_version_and_limits(blog: Blog) -> None:
    app = as_caller(blog.variant(PROJECT_NAME="Blog", QUERY_LIMIT_MAX=500), EDITOR)
    data = app.test_client().get("/server/info").get_json()["data"]
    assert data["project"] == {"project_name": "Blog"}
    assert data["version"] == __version__
    assert data["queryLimit"] == {"default": 100, "max": 500}
    assert data["rateLimit"] == {"points": 100, "duration": 1}
    assert data["rateLimitGlobal"] is False


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"RATE_LIMITER_ENABLED": False}, False),
        ({"RATE_LIMITER_POINTS": 50, "RATE_LIMITER_DURATION": 10}, {"points": 50, "duration": 10}),
    ],
)
def test_info_reports_the_configured_rate_limit(
    blog: Blog, settings: dict[str, Any], expected: Any
) -> None:
    app = as_caller(blog.variant(**settings), EDITOR)
    assert app.test_client().get("/server/info").get_json()["data"]["rateLimit"] == expected


def test_openapi_document_is_served(blog: Blog) -> None:
    response = blog.get("/server/specs/oas")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_data() == (blog.out / f"blog_{blog.backend}" / "openapi.json").read_bytes()
    assert response.get_json()["openapi"].startswith("3.1")


def test_openapi_can_be_disabled(blog: Blog) -> None:
    app = blog.variant(OPENAPI_ENABLED=False)
    assert_error(app.test_client().get("/server/specs/oas"), 404, "ROUTE_NOT_FOUND")
