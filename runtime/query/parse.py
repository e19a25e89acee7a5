"""Turn parsed query parameters into a `Query`: Directus's sanitize-query step.

Knows nothing about any collection: it checks shapes (a number where a number goes, JSON that
parses) and normalises forms (`fields=a,b` and `fields[]=a`, JSON and bracket filters).
Checking names against a collection happens later, when the query is planned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dxgen.runtime.errors import InvalidQueryError

META_KINDS = ("total_count", "filter_count")
EXPORT_FORMATS = ("csv", "csv_utf8", "json", "xml", "yaml")
LOGICAL = ("_and", "_or")


@dataclass
class Query:
    """A sanitised Directus query. `None` means "not given" (defaults apply later)."""

    fields: list[str] | None = None
    filter: dict[str, Any] | None = None
    search: str | None = None
    sort: list[str] | None = None
    limit: int | None = None
    offset: int | None = None
    page: int | None = None
    meta: tuple[str, ...] = ()
    aggregate: dict[str, list[str]] | None = None
    group_by: list[str] | None = None
    deep: dict[str, Any] | None = None
    alias: dict[str, str] | None = None
    export: str | None = None
    backlink: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def sanitize(raw: dict[str, Any]) -> Query:
    """Build a `Query` from qs-parsed parameters (or a SEARCH body's `query` object)."""
    if not isinstance(raw, dict):
        raise InvalidQueryError('"query" must be of type object')
    query = Query()
    for name, value in raw.items():
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(query, value)
        else:
            query.extra[name] = value
    return query


def split_fields(text: str) -> list[str]:
    """Split on commas outside parentheses: `a,count(b),c` -> `[a, count(b), c]`."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth > 1:
                raise InvalidQueryError('Nested functions are not supported in "fields"')
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth:
        raise InvalidQueryError('Missing closing parenthesis in "fields"')
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _string_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return split_fields(value)
    if isinstance(value, list):
        result: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise InvalidQueryError(f'"{name}" must be a string or an array of strings')
            result.extend(split_fields(item))
        return result
    raise InvalidQueryError(f'"{name}" must be a string or an array of strings')


def _json_object(name: str, value: Any, what: str) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidQueryError(f"Invalid JSON for {what} object") from None
    if value is not None and not isinstance(value, dict):
        raise InvalidQueryError(f'"{name}" must be of type object')
    return value


def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool | list | dict):
        raise InvalidQueryError(f'"{name}" must be a number')
    if isinstance(value, str) and not value.strip():
        return 0  # `limit=` is JavaScript's Number(""): 0, as Directus reads it
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidQueryError(f'"{name}" must be a number') from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidQueryError(f'"{name}" must be a number')
    if not number.is_integer():
        raise InvalidQueryError(f'"{name}" must be an integer')
    if number < minimum:
        raise InvalidQueryError(f'"{name}" must be greater than or equal to {minimum}')
    return int(number)


def _fields(query: Query, value: Any) -> None:
    query.fields = _string_list("fields", value) or None


def _filter(query: Query, value: Any) -> None:
    parsed = _json_object("filter", value, "filter")
    query.filter = normalize_filter(parsed) if parsed else None


def _search(query: Query, value: Any) -> None:
    if isinstance(value, list):
        value = value[-1] if value else ""
    if not isinstance(value, str):
        raise InvalidQueryError('"search" must be a string')
    query.search = value.strip() or None


def _sort(query: Query, value: Any) -> None:
    query.sort = _string_list("sort", value) or None


def _limit(query: Query, value: Any) -> None:
    query.limit = _integer("limit", value, -1)


def _offset(query: Query, value: Any) -> None:
    query.offset = _integer("offset", value, 0)


def _page(query: Query, value: Any) -> None:
    query.page = _integer("page", value, 0)


def _meta(query: Query, value: Any) -> None:
    items = _string_list("meta", value)
    if "*" in items:
        query.meta = META_KINDS
        return
    for index, item in enumerate(items):
        if item not in META_KINDS:
            raise InvalidQueryError(f'"meta[{index}]" must be one of [{", ".join(META_KINDS)}]')
    query.meta = tuple(dict.fromkeys(items))


def _aggregate(query: Query, value: Any) -> None:
    parsed = _json_object("aggregate", value, "aggregate")
    if not parsed:
        return
    query.aggregate = {op: _string_list(f"aggregate.{op}", v) for op, v in parsed.items()}


def _group_by(query: Query, value: Any) -> None:
    query.group_by = _string_list("groupBy", value) or None


def _deep(query: Query, value: Any) -> None:
    query.deep = _json_object("deep", value, "deep") or None


def _alias(query: Query, value: Any) -> None:
    parsed = _json_object("alias", value, "alias") or None
    for key, target in (parsed or {}).items():
        if not isinstance(target, str):
            raise InvalidQueryError(
                f'"alias" value has to be a string. "{type(target).__name__}" given'
            )
        if "." in key or "." in target:
            raise InvalidQueryError('"alias" key/value can\'t contain a period character `.`')
    query.alias = parsed


def _export(query: Query, value: Any) -> None:
    if value not in EXPORT_FORMATS:
        raise InvalidQueryError(f'"export" must be one of [{", ".join(EXPORT_FORMATS)}]')
    query.export = value


def _backlink(query: Query, value: Any) -> None:
    query.backlink = value not in (False, "false")


_HANDLERS = {
    "fields": _fields,
    "filter": _filter,
    "search": _search,
    "sort": _sort,
    "limit": _limit,
    "offset": _offset,
    "page": _page,
    "meta": _meta,
    "aggregate": _aggregate,
    "groupBy": _group_by,
    "deep": _deep,
    "alias": _alias,
    "export": _export,
    "backlink": _backlink,
}

_LIST_OPS = ("_in", "_nin", "_between", "_nbetween")
_LITERALS = {"true": True, "false": False, "null": None, "NULL": None}


def normalize_filter(node: Any) -> Any:
    """Directus's parse-filter: several keys become `_and`, list operators accept `a,b`,
    and the strings `true`/`false`/`null` become values."""
    if not isinstance(node, dict):
        return node
    if len(node) > 1:
        return {"_and": [normalize_filter({k: v}) for k, v in node.items()]}
    ((key, value),) = node.items() if node else ((None, None),)
    if key is None:
        return {}
    if key in LOGICAL:
        items = list(value.values()) if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise InvalidQueryError(f'"{key}" has to be an array')
        return {key: [normalize_filter(item) for item in items]}
    if key in _LIST_OPS:
        if isinstance(value, str):
            value = value.split(",")
        elif isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            value = [value]  # Directus's parse-filter wraps a single value
        return {key: [_literal(v) for v in value] if isinstance(value, list) else value}
    if key.startswith("_") and key not in ("_some", "_none"):
        return {key: _literal(value)}
    if isinstance(value, dict):
        return {key: _normalize_field(value)}
    return {key: {"_eq": _literal(value)}}


def _normalize_field(value: dict[str, Any]) -> dict[str, Any]:
    """Several operators on one field stay together (`{"_gt":1,"_lt":5}`); nested fields too."""
    result: dict[str, Any] = {}
    for key, inner in value.items():
        result.update(normalize_filter({key: inner}))
    return result


def _literal(value: Any) -> Any:
    if isinstance(value, str) and value in _LITERALS:
        return _LITERALS[value]
    return value
