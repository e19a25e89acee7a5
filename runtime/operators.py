"""Filter operators: which ones each Directus type allows, and what SQL each one becomes.

Operators are data, not `if` chains: `SQL` maps each name to a builder taking the column expression
and the already-coerced value. The allow-lists are Directus's (`getFilterOperatorsForType`); a
generated collection module names one of them per field, and a user may narrow it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

STRING = (
    "_contains",
    "_ncontains",
    "_icontains",
    "_nicontains",
    "_starts_with",
    "_nstarts_with",
    "_istarts_with",
    "_nistarts_with",
    "_ends_with",
    "_nends_with",
    "_iends_with",
    "_niends_with",
    "_eq",
    "_neq",
    "_empty",
    "_nempty",
    "_null",
    "_nnull",
    "_in",
    "_nin",
)
NUMERIC = (
    "_eq",
    "_neq",
    "_lt",
    "_lte",
    "_gt",
    "_gte",
    "_between",
    "_nbetween",
    "_null",
    "_nnull",
    "_in",
    "_nin",
)
TIMESTAMP = (
    "_contains",
    "_ncontains",
    "_eq",
    "_neq",
    "_lt",
    "_lte",
    "_gt",
    "_gte",
    "_between",
    "_nbetween",
    "_empty",
    "_nempty",
    "_null",
    "_nnull",
    "_in",
    "_nin",
)
UUID = ("_eq", "_neq", "_null", "_nnull", "_in", "_nin")
BOOLEAN = ("_eq", "_neq", "_null", "_nnull")
JSON = ("_null", "_nnull")
CONCEALED = ("_empty", "_nempty", "_null", "_nnull")
NONE: tuple[str, ...] = ()

BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": STRING,
    "text": STRING,
    "csv": STRING,
    "binary": STRING,
    "integer": NUMERIC,
    "bigInteger": NUMERIC,
    "float": NUMERIC,
    "decimal": NUMERIC,
    "date": NUMERIC,
    "dateTime": NUMERIC,
    "time": NUMERIC,
    "timestamp": TIMESTAMP,
    "uuid": UUID,
    "boolean": BOOLEAN,
    "json": JSON,
    "hash": CONCEALED,
}

LIST_OPERATORS = frozenset({"_in", "_nin", "_between", "_nbetween"})
BOOLEAN_OPERATORS = frozenset({"_null", "_nnull", "_empty", "_nempty"})
TEXT_OPERATORS = frozenset(op for op in STRING if "contains" in op or "with" in op)
KNOWN = frozenset(STRING + NUMERIC + TIMESTAMP + ("_some", "_none"))

Builder = Callable[[Any, Any], ColumnElement[bool]]


def _like(pattern: str, negate: bool, insensitive: bool) -> Builder:
    """LIKE with `%`/`_` in the value escaped: a search for `50%` means the text `50%`."""

    def build(column: Any, value: Any) -> ColumnElement[bool]:
        text = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        target = pattern.format(text)
        expr = (
            sa.func.lower(column).like(sa.func.lower(target), escape="\\")
            if insensitive
            else column.like(target, escape="\\")
        )
        return sa.not_(expr) if negate else expr

    return build


def _empty(negate: bool) -> Builder:
    def build(column: Any, value: Any) -> ColumnElement[bool]:
        is_empty = sa.or_(column.is_(None), column == "")
        return sa.not_(is_empty) if bool(value) == negate else is_empty

    return build


def _null(negate: bool) -> Builder:
    def build(column: Any, value: Any) -> ColumnElement[bool]:
        wants_null = bool(value) != negate
        return column.is_(None) if wants_null else column.is_not(None)

    return build


def _eq(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _neq(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_not(None) if value is None else sa.not_(column == value)


def _in(column: Any, value: Any) -> ColumnElement[bool]:
    return column.in_(value)


def _nin(column: Any, value: Any) -> ColumnElement[bool]:
    return column.not_in(value)


def _between(column: Any, value: Any) -> ColumnElement[bool]:
    return column.between(value[0], value[1])


def _nbetween(column: Any, value: Any) -> ColumnElement[bool]:
    return sa.not_(column.between(value[0], value[1]))


SQL: dict[str, Builder] = {
    "_eq": _eq,
    "_neq": _neq,
    "_lt": lambda c, v: c < v,
    "_lte": lambda c, v: c <= v,
    "_gt": lambda c, v: c > v,
    "_gte": lambda c, v: c >= v,
    "_in": _in,
    "_nin": _nin,
    "_between": _between,
    "_nbetween": _nbetween,
    "_null": _null(False),
    "_nnull": _null(True),
    "_empty": _empty(False),
    "_nempty": _empty(True),
    "_contains": _like("%{}%", False, False),
    "_ncontains": _like("%{}%", True, False),
    "_icontains": _like("%{}%", False, True),
    "_nicontains": _like("%{}%", True, True),
    "_starts_with": _like("{}%", False, False),
    "_nstarts_with": _like("{}%", True, False),
    "_istarts_with": _like("{}%", False, True),
    "_nistarts_with": _like("{}%", True, True),
    "_ends_with": _like("%{}", False, False),
    "_nends_with": _like("%{}", True, False),
    "_iends_with": _like("%{}", False, True),
    "_niends_with": _like("%{}", True, True),
}
