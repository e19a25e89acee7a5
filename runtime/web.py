"""Flask glue: build the app, turn errors into Directus's envelope, write JSON responses.

Thin on purpose: request parsing and response writing only; the work happens in the framework-free
`items` and `query` modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from dxgen.runtime.config import Settings
from dxgen.runtime.db import make_engine
from dxgen.runtime.dberrors import unavailable
from dxgen.runtime.errors import (
    DirectusError,
    ForbiddenError,
    InternalError,
    InvalidPayloadError,
    InvalidQueryError,
    RouteNotFoundError,
    envelope,
)
from dxgen.runtime.model import Registry
from dxgen.runtime.system import SYSTEM_COLLECTIONS

log = logging.getLogger("dxgen")
JSON_TYPE = "application/json; charset=utf-8"
ITEM_METHODS = ("GET", "SEARCH", "POST", "PATCH", "DELETE")


@dataclass
class Runtime:
    """What every request needs, kept on `app.extensions["dxgen"]`."""

    settings: Settings
    registry: Registry
    engine: Any
    schema_fingerprint: str | None = None


def runtime() -> Runtime:
    return current_app.extensions["dxgen"]


def json_response(body: Any, status: int = 200) -> Response:
    response = Response(orjson.dumps(body), status=status, content_type=JSON_TYPE)
    response.headers["Cache-Control"] = "no-cache"
    return response


def no_content() -> Response:
    return Response(status=204)


def error_response(error: DirectusError) -> Response:
    return Response(orjson.dumps(envelope(error)), status=error.status, content_type=JSON_TYPE)


class LazyBuilderRule(Rule):
    """A URL rule whose URL builders are generated on first use.

    Werkzeug generates and compiles two builder functions for every rule as it is added; a
    generated app adds eight rules per collection and almost never builds URLs, so for a
    500-table schema that code generation was most of the start-up time."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: Callable[..., tuple[str, str]] | None = None

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build


def build_app(
    import_name: str,
    modules: Iterable[ModuleType],
    config: Mapping[str, Any] | None = None,
    user_settings: Mapping[str, Any] | None = None,
    schema_fingerprint: str | None = None,
) -> Flask:
    """The Flask app serving `modules` (generated collection modules: `COLLECTION`, `blueprint`).

    `config` (tests, embedding) wins over `user_settings` (the app's settings.py), which wins
    over the environment and `.env`.
    """
    modules = list(modules)
    settings = Settings.load({**(user_settings or {}), **(config or {})})
    app = Flask(import_name)
    if hasattr(Rule, "_compile_builder"):  # werkzeug's private hook; plain rules otherwise
        app.url_rule_class = LazyBuilderRule
    app.config["MAX_CONTENT_LENGTH"] = settings.max_payload_size
    registry = Registry([*(module.COLLECTION for module in modules), *SYSTEM_COLLECTIONS])
    app.extensions["dxgen"] = Runtime(settings, registry, make_engine(settings), schema_fingerprint)
    _register_errors(app)
    app.before_request(_check_query_string)
    _install_extensions(app)
    for module in modules:
        app.register_blueprint(module.blueprint)
    _register_fallbacks(app)
    return app


def _install_extensions(app: Flask) -> None:
    """The app-wide layers, in Directus's middleware order: CORS, rate limiting,
    authentication; then the system routes. Each module's `install(app)` adds its
    before-request hooks, blueprints and CLI commands. (CORS puts its preflight hook at the
    head of the before-request list, so even checks registered earlier never fail a
    preflight.)"""
    from dxgen.runtime import (
        auth,
        commands,
        cors,
        files,
        ratelimit,
        reqlog,
        schema_info,
        server,
        sso,
    )
    from dxgen.runtime.permissions import caller_may_read

    commands.install(app)
    cors.install(app)
    reqlog.install(app)
    ratelimit.install(app)
    auth.install(app)
    server.install(app, caller_may_read)
    schema_info.install(app, caller_may_read)
    sso.install(app)
    files.install(app)


def _register_fallbacks(app: Flask) -> None:
    """Unknown collections answer 403 like Directus (it does not reveal what exists)."""

    def unknown_collection(collection: str, key: str | None = None) -> Response:
        raise ForbiddenError.collection(collection)

    app.add_url_rule(
        "/items/<collection>", "unknown_collection", unknown_collection, methods=ITEM_METHODS
    )
    app.add_url_rule(
        "/items/<collection>/<path:key>",
        "unknown_collection_item",
        unknown_collection,
        methods=ITEM_METHODS,
    )


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DirectusError)
    def directus_error(error: DirectusError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if error.code == 413:
            return error_response(InvalidPayloadError("request entity too large"))
        if error.code in (404, 405):
            return error_response(RouteNotFoundError(request.path))
        if error.code == 400:
            return error_response(InvalidPayloadError(error.description or "Bad request"))
        if error.code is not None and error.code < 500:
            wrapped = DirectusError(error.description or error.name)
            wrapped.status, wrapped.code = error.code, error.name.upper().replace(" ", "_")
            return error_response(wrapped)
        return error_response(InternalError())

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        down = unavailable(error)  # the database is unreachable: 503, and no stack trace
        if down is not None:
            log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
            return error_response(down)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(InternalError())


def _check_query_string() -> None:
    limit = runtime().settings.querystring_max_length
    if len(request.query_string) > limit:
        raise InvalidQueryError(f"Query string is longer than {limit} characters")
