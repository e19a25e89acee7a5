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
from urllib.parse import unquote

import orjson
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, request
from limits import parse as parse_limit

from dxgen import __version__
from dxgen.runtime import ratelimit
from dxgen.runtime.accountability import current
from dxgen.runtime.config import Settings
from dxgen.runtime.drift import schema_check
from dxgen.runtime.errors import ForbiddenError, RouteNotFoundError
from dxgen.runtime.schema_info import Readable, everything
from dxgen.runtime.web import Runtime, json_response, runtime

HEALTH_TYPE = "application/health+json"
OPENAPI_FILE = "openapi.json"  # generated inside the app package, so it ships with it
COLLECTION_KEY = "x-collection"  # marks a collection's component schemas in that document
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


def openapi(readable: Readable) -> Response:
    """The OpenAPI 3.1 document `dxgen generate` wrote for this schema, without the collections
    the caller may not read (as Directus filters it by permissions)."""
    if not runtime().settings.openapi_enabled:
        raise RouteNotFoundError(request.path)
    document = _openapi_document(Path(current_app.root_path) / OPENAPI_FILE)
    if document is None:
        raise RouteNotFoundError(request.path)
    text, parsed = document
    shown = visible_document(parsed, readable)
    response = Response(
        text if shown is parsed else orjson.dumps(shown, option=orjson.OPT_SORT_KEYS),
        content_type="application/json; charset=utf-8",
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@cache
def _openapi_document(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """Read once per process: the document only changes when the app is regenerated."""
    if not path.is_file():
        return None
    text = path.read_bytes()
    return text, orjson.loads(text)


def visible_document(document: dict[str, Any], readable: Readable) -> dict[str, Any]:
    """`document` without the hidden collections' paths and schemas; references to their items
    become plain objects, so what remains is still a valid document. The same object when
    nothing is hidden."""
    schemas = document["components"]["schemas"]
    hidden = {
        f"#/components/schemas/{name}"
        for name, schema in schemas.items()
        if COLLECTION_KEY in schema and not readable(schema[COLLECTION_KEY])
    }
    if not hidden:
        return document
    shown = _replace_refs(document, hidden)
    shown["paths"] = {
        path: item
        for path, item in shown["paths"].items()
        if not path.startswith("/items/") or readable(unquote(path.split("/")[2]))
    }
    shown["components"]["schemas"] = {
        name: schema
        for name, schema in shown["components"]["schemas"].items()
        if f"#/components/schemas/{name}" not in hidden
    }
    return shown


def _replace_refs(value: Any, hidden: set[str]) -> Any:
    if isinstance(value, dict):
        if value.get("$ref") in hidden:
            return {"type": "object"}
        return {key: _replace_refs(item, hidden) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_refs(item, hidden) for item in value]
    return value


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
    if rt.settings.rate_limiter_enabled and rt.settings.rate_limiter_store == "redis":
        checks.update(redis_checks(rt.settings.redis or ""))
    drift = schema_check(rt)
    if drift is not None:
        name, check = drift
        checks[name] = [check]
    return checks


def redis_checks(url: str) -> dict[str, list[dict[str, Any]]]:
    """A timed PING of the rate limiter's Redis. Unreachable is a warning, not an error: the
    limiter then counts per worker in memory until Redis answers again."""
    import redis

    check: dict[str, Any] = {
        "status": "ok",
        "componentType": "cache",
        "observedUnit": "ms",
        "observedValue": 0.0,
        "threshold": DB_RESPONSE_THRESHOLD_MS,
    }
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError):
        check.update(status="warn", output="Redis unreachable: rate limits are counted per worker.")
    check["observedValue"] = round((time.perf_counter() - started) * 1000, 3)
    return {"rateLimiter:responseTime": [check]}


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


def overall_status(checks: dict[str, list[dict[str, Any]]]) -> str:
    """The worst status of all checks: `error` beats `warn` beats `ok`."""
    statuses = [check["status"] for entries in checks.values() for check in entries]
    return max(statuses, key=STATUS_RANK.__getitem__, default="ok")


def install(app: Flask, readable: Readable = everything) -> None:
    """The routes; `readable` decides which collections the OpenAPI document shows."""
    app.register_blueprint(blueprint)
    app.add_url_rule(
        "/server/specs/oas", "dxgen_server_openapi", lambda: openapi(readable), methods=["GET"]
    )
