"""The `/items/<collection>` handlers that generated routes call, one per Directus action.

Each reads the request, calls the items service and writes the response; status codes and bodies
follow the Directus contract (§1): 204 on delete, read-back with `?fields` after writes, and 204
when that read-back is not allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Response, request, stream_with_context

from dxgen.runtime import export
from dxgen.runtime.accountability import current
from dxgen.runtime.errors import ForbiddenError, InvalidPayloadError
from dxgen.runtime.hooks import Hooks
from dxgen.runtime.items import ItemsService, Key
from dxgen.runtime.model import Collection
from dxgen.runtime.permissions import CACHE
from dxgen.runtime.query import qs
from dxgen.runtime.query.context import Context
from dxgen.runtime.query.parse import Query, sanitize
from dxgen.runtime.web import JSON_TYPE, json_response, no_content, runtime

_RESERVED_PARAMS = ("access_token",)


def service(collection: Collection, hooks: Hooks) -> ItemsService:
    rt = runtime()
    settings = rt.settings
    who = current()
    ctx = Context(
        rt.registry,
        rt.engine.dialect.name,
        user=who.user,
        role=who.role,
        max_depth=settings.max_relational_depth,
        default_limit=settings.query_limit_default,
        access=CACHE.access(rt.engine, who),
    )
    # dxgen.toml may set a collection's own limits; the settings apply to the rest
    limit_default = collection.limit_default or settings.query_limit_default
    limit_max = settings.query_limit_max if collection.limit_max is None else collection.limit_max
    return ItemsService(
        rt.engine,
        ctx,
        collection,
        limit_default=limit_default,
        limit_max=limit_max,
        max_batch=settings.max_batch_mutation,
        hooks=hooks,
    )


def request_query() -> Query:
    settings = runtime().settings
    pairs = ((k, v) for k, v in request.args.items(multi=True) if k not in _RESERVED_PARAMS)
    raw = qs.parse(
        pairs,
        max_depth=settings.querystring_max_parse_depth,
        array_limit=settings.querystring_array_limit,
    )
    return sanitize(raw)


def request_body() -> Any:
    """The JSON body; a non-JSON body counts as `{}` (as in Directus), malformed JSON is a 400."""
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    if not request.is_json and data.lstrip()[:1] not in (b"{", b"["):
        return {}
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InvalidPayloadError(str(error).split(":")[0]) from None


def read_back(items: ItemsService, keys: list[Key], query: Query, many: bool) -> Response:
    """The answer to a write: the written items read with `?fields`, or 204 when the caller
    may not read them back (Directus's rule)."""
    try:
        data = items.read_keys(keys, query)
    except ForbiddenError:
        return no_content()
    if many:
        return json_response({"data": data})
    return json_response({"data": data[0]}) if data else no_content()


def read_many(collection: Collection, hooks: Hooks) -> Response:
    """GET /items/<collection>; exports and unbounded lists are streamed."""
    items = service(collection, hooks)
    query = request_query()
    if query.export:
        return _export(items, query)
    if query.limit == -1 and not query.meta and not query.aggregate:
        batches = items.stream_by_query(query)
        return Response(stream_with_context(export.json_list(batches)), content_type=JSON_TYPE)
    return json_response(items.read_by_query(query))


def _export(items: ItemsService, query: Query) -> Response:
    assert query.export is not None
    if query.aggregate:
        body = items.read_by_query(query)["data"]
        chunks: Iterator[bytes] = export.write(query.export, [body])
    else:
        chunks = export.write(query.export, items.stream_by_query(query))
    name = export.filename(items.collection.name, query.export, datetime.now(UTC))
    response = Response(
        stream_with_context(chunks), content_type=export.CONTENT_TYPES[query.export]
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def search(collection: Collection, hooks: Hooks) -> Response:
    """SEARCH /items/<collection>: the query (and optional keys) in the body."""
    items = service(collection, hooks)
    body = request_body() or {}
    if not isinstance(body, dict):
        raise InvalidPayloadError('"value" must be of type object')
    query = sanitize(body.get("query") or {})
    if "keys" in body:
        keys = items.keys_from_body(body["keys"])
        return json_response({"data": items.read_keys(keys, query)})
    return json_response(items.read_by_query(query))


def read_one(collection: Collection, hooks: Hooks, key: str) -> Response:
    """GET /items/<collection>/<key>."""
    items = service(collection, hooks)
    return json_response({"data": items.read_one(items.parse_key(key), request_query())})


def create(collection: Collection, hooks: Hooks) -> Response:
    """POST /items/<collection>: one object or an array (one transaction)."""
    items = service(collection, hooks)
    query = request_query()
    body = request_body()
    many = isinstance(body, list)
    payload = body if many else [body if body is not None else {}]
    if many and not payload:
        return json_response({"data": []})
    keys = items.create_many(payload)
    return read_back(items, keys, query, many)


def update_many(collection: Collection, hooks: Hooks) -> Response:
    """PATCH /items/<collection>: a batch array, `{keys, data}` or `{query, data}`."""
    items = service(collection, hooks)
    query = request_query()
    body = request_body()
    if isinstance(body, list):
        return read_back(items, items.update_batch(body), query, True)
    if not isinstance(body, dict):
        raise InvalidPayloadError('"value" must be of type object')
    if "data" not in body:
        raise InvalidPayloadError('"data" is required')
    if ("keys" in body) == ("query" in body):
        raise InvalidPayloadError('"value" must contain at least one of [keys, query]')
    if "keys" in body:
        keys = items.keys_from_body(body["keys"])
    else:
        keys = items.keys_by_query(_body_query(body["query"]))
    keys = items.update_keys(keys, body["data"])
    return read_back(items, keys, query, True)


def update_one(collection: Collection, hooks: Hooks, key: str) -> Response:
    """PATCH /items/<collection>/<key>."""
    items = service(collection, hooks)
    query = request_query()
    body = request_body()
    parsed = items.parse_key(key)
    items.update_keys([parsed], body if body is not None else {})
    return read_back(items, [parsed], query, False)


def delete_many(collection: Collection, hooks: Hooks) -> Response:
    """DELETE /items/<collection>: `[keys]`, `{keys}` or `{query}`."""
    items = service(collection, hooks)
    body = request_body()
    if isinstance(body, list):
        keys = items.keys_from_body(body)
    elif isinstance(body, dict) and "keys" in body:
        keys = items.keys_from_body(body["keys"])
    elif isinstance(body, dict) and "query" in body:
        keys = items.keys_by_query(_body_query(body["query"]))
    else:
        raise InvalidPayloadError('"value" must contain at least one of [query, keys]')
    items.delete_keys(keys)
    return no_content()


def delete_one(collection: Collection, hooks: Hooks, key: str) -> Response:
    """DELETE /items/<collection>/<key>."""
    items = service(collection, hooks)
    items.delete_keys([items.parse_key(key)])
    return no_content()


def _body_query(raw: Any) -> Query:
    """A query in a body; its `filter` may itself be a JSON string (Directus allows it)."""
    if not isinstance(raw, dict):
        raise InvalidPayloadError('"query" must be of type object')
    return sanitize(raw)
