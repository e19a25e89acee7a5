"""Directus field functions (`year(published_on)`, `count(comments)`) as SQL, per dialect.

Each date function answers the same numbers on every database: weeks are ISO weeks and weekdays
count from Sunday = 0, as on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection, Field

DATE_FUNCTIONS = ("year", "month", "week", "day", "weekday", "hour", "minute", "second")
_DATE_ONLY = {"year", "month", "week", "day", "weekday"}
_CALL = re.compile(r"^(\w+)\((.*)\)$")
_TYPES_FOR = {
    "date": _DATE_ONLY,
    "dateTime": set(DATE_FUNCTIONS),
    "timestamp": set(DATE_FUNCTIONS),
    "time": {"hour", "minute", "second"},
}
_EXTRACT = {"year": "year", "month": "month", "day": "day", "hour": "hour", "minute": "minute"}


def split_call(key: str) -> tuple[str, str] | None:
    """`year(date)` -> ("year", "date"); None for a plain field name."""
    match = _CALL.match(key.strip())
    return (match.group(1), match.group(2).strip()) if match else None


def check_function(function: str, field_type: str | None, relational: bool) -> None:
    """Raise the 400 Directus gives for a function the field's type does not support."""
    if function == "count" and relational:
        return
    if field_type is None or function not in _TYPES_FOR.get(field_type, ()):
        raise InvalidQueryError(f'Invalid function specified "{function}"')


def resolve_call(
    collection: Collection, call: tuple[str, str], path: tuple[str, ...] = ()
) -> Field | None:
    """Check `function(argument)` on `collection`: the argument's field (None for `count` over a
    one-to-many alias), or Directus's 403 / 400 for an unknown field or unsupported function."""
    name, argument = call
    relation = collection.relation_map.get(argument)
    field = collection.get(argument)
    is_alias = relation is not None and relation.kind != "m2o"
    if field is None and not is_alias:
        raise ForbiddenError.field(argument, collection.name, path)
    check_function(name, field.type if field else None, is_alias)
    return field


def output_key(function: str, field: str) -> str:
    """Directus names a function field's output `<field>_<function>`."""
    return f"{field}_{function}"


def date_part(function: str, column: Any, dialect: str) -> sa.ColumnElement[int]:
    """An integer expression for `function(column)`."""
    if function == "second":
        if dialect == "postgresql":
            return sa.cast(sa.func.floor(sa.extract("second", column)), sa.Integer)
        return sa.cast(sa.extract("second", column), sa.Integer)
    if function == "weekday":
        return _weekday(column, dialect)
    if function == "week":
        return _iso_week(column, dialect)
    return sa.cast(sa.extract(_EXTRACT[function], column), sa.Integer)


def _weekday(column: Any, dialect: str) -> sa.ColumnElement[int]:
    if dialect in {"mysql", "mariadb"}:
        return sa.func.dayofweek(column) - 1
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%w", column), sa.Integer)
    return sa.cast(sa.extract("dow", column), sa.Integer)


def _iso_week(column: Any, dialect: str) -> sa.ColumnElement[int]:
    if dialect in {"mysql", "mariadb"}:
        return sa.func.week(column, 3)
    if dialect == "sqlite":
        # The Thursday of the same ISO week decides the week number.
        thursday = sa.func.date(column, "-3 days", "weekday 4")
        return (sa.cast(sa.func.strftime("%j", thursday), sa.Integer) - 1) / 7 + 1
    return sa.cast(sa.extract("week", column), sa.Integer)
