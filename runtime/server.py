"""`/server/*`: liveness, health, project information and the app's OpenAPI document.

Shapes follow Directus 12 (contract §6): `ping` is plain text so load balancers need no JSON
parser; `health` uses the `application/health+json` draft format and answers 503 when a check
fails, so orchestrators can act on the status code alone.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, request
from limits import parse as parse_limit

from dxgen import __version__
from dxgen.runtime import ratelimit
from dxgen.runtime.accountability import current
from dxgen.runtime.config import Settings
from dxgen.runtime.errors import ForbiddenError, RouteNotFoundError
from dxgen.runtime.web import Runtime, json_response, runtime

HEALTH_TYPE = "application/health+json"
OPENAPI_FILE = "openapi.json"  # generated inside the app package, so it ships with it
DB_RESPONSE_THRESHOLD_MS = 150  # Directus's DB_HEALTHCHECK_THRESHOLD default
# Directus names its checks after the knex client, and monitors match on those names.
CHECK_PREFIX = {"postgresql": "pg", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite3"}
STATUS_RANK = {"ok": 0, "warn": 1, "error": 2}

blueprint = Blueprint("dxgen_server", __name__)


@blueprint.get("/server/ping")
def ping() -> Response:
    """`pong` as text/html, like Directus (not JSON)."""
    return Response("pong", content_type="text/html; charset=utf-8")


@blueprint.get("/server/health")
def health() -> Response:
    """Database (and schema drift) checks. 403 FORBIDDEN for anonymous callers; non-admins see
    only the overall status; 503 when any check is in error."""
    rt = runtime()
    if not rt.settings.healthcheck_enabled:
        raise RouteNotFoundError(request.path)
    caller = current()
    if not caller.authenticated and not caller.admin:
        raise ForbiddenError()
    checks = health_checks(rt)
    status = overall_status(checks)
    body: dict[str, Any] = {"status": status}
    if caller.admin:
        body.update(releaseId=__version__, serviceId=rt.settings.public_url, checks=checks)
    response = Response(
        orjson.dumps(body), status=503 if status == "error" else 200, content_type=HEALTH_TYPE
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/server/info")
def info() -> Response:
    """Project information for everyone; limits and version for authenticated callers."""
    settings = runtime().settings
    data: dict[str, Any] = {"project": {"project_name": settings.project_name}}
    caller = current()
    if caller.authenticated or caller.admin:
        data.update(
            version=__version__,
            rateLimit=rate_limit(settings),
            rateLimitGlobal=False,
            queryLimit={"default": settings.query_limit_default, "max": settings.query_limit_max},
            websocket=False,
        )
    return json_response({"data": data})


@blueprint.get("/server/specs/oas")
def openapi() -> Response:
    """The OpenAPI 3.1 document `dxgen generate` wrote for this schema, served as is."""
    if not runtime().settings.openapi_enabled:
        raise RouteNotFoundError(request.path)
    document = _openapi_bytes(Path(current_app.root_path) / OPENAPI_FILE)
    if document is None:
        raise RouteNotFoundError(request.path)
    response = Response(document, content_type="application/json; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


@cache
def _openapi_bytes(path: Path) -> bytes | None:
    """Read once per process: the document only changes when the app is regenerated."""
    return path.read_bytes() if path.is_file() else None


def rate_limit(settings: Settings) -> dict[str, int] | bool:
    """Directus's `rateLimit` info: `false` when off, else `{points, duration}` (seconds) of the
    first window the limiter enforces (Directus has one; our defaults have two)."""
    if not settings.rate_limiter_enabled:
        return False
    window = parse_limit(ratelimit.limit_strings(settings)[0])
    return {"points": window.amount, "duration": window.get_expiry()}


def health_checks(rt: Runtime) -> dict[str, list[dict[str, Any]]]:
    """Every check by Directus's `<component>:<measurement>` name."""
    checks = database_checks(rt.engine)
    drift = _schema_drift(rt)
    if drift is not None:
        name, check = drift
        checks[name] = [check]
    return checks


def database_checks(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """A real round trip to the database, timed; pool usage when the pool can tell."""
    prefix = CHECK_PREFIX.get(engine.dialect.name, engine.dialect.name)
    check: dict[str, Any] = {
        "status": "ok",
        "componentType": "datastore",
        "observedUnit": "ms",
        "observedValue": 0.0,
        "threshold": DB_RESPONSE_THRESHOLD_MS,
    }
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        check.update(status="error", output="Can't connect to the database.")
    check["observedValue"] = round((time.perf_counter() - started) * 1000, 3)
    if check["status"] == "ok" and check["observedValue"] > DB_RESPONSE_THRESHOLD_MS:
        check["status"] = "warn"
    checks = {f"{prefix}:responseTime": [check]}
    pool = engine.pool
    if isinstance(pool, sa.pool.QueuePool):
        for name, value in (
            ("connectionsAvailable", pool.checkedin()),
            ("connectionsUsed", pool.checkedout()),
        ):
            checks[f"{prefix}:{name}"] = [
                {"status": "ok", "componentType": "datastore", "observedValue": value}
            ]
    return checks


def _schema_drift(rt: Runtime) -> tuple[str, dict[str, Any]] | None:
    """The schema drift check, from `dxgen.runtime.drift` when this runtime ships it."""
    try:
        from dxgen.runtime.drift import schema_check
    except ImportError:
        return None
    return schema_check(rt)


def overall_status(checks: dict[str, list[dict[str, Any]]]) -> str:
    """The worst status of all checks: `error` beats `warn` beats `ok`."""
    statuses = [check["status"] for entries in checks.values() for check in entries]
    return max(statuses, key=STATUS_RANK.__getitem__, default="ok")


def install(app: Flask) -> None:
    app.register_blueprint(blueprint)
