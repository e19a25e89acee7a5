"""`aggregate` and `groupBy`: one GROUP BY statement, answered in Directus's shapes.

`aggregate[count]=*` -> `{"count":"5"}`; `aggregate[sum]=views` -> `{"sum":{"views":"22"}}`; group
keys first in each row. Counts, sums of integers and averages are strings (as Directus answers on
PostgreSQL); min and max keep the column's own serialisation.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection, Field
from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.functions import check_function, date_part, output_key, split_call
from dxgen.runtime.query.selection import Page, ordered
from dxgen.runtime.serialize import decimal_serializer, function_value, serializer_for

OPERATIONS = (
    "count",
    "countDistinct",
    "countAll",
    "sum",
    "sumDistinct",
    "avg",
    "avgDistinct",
    "min",
    "max",
)
_NUMERIC = {"integer", "bigInteger", "float", "decimal"}
# Averages are rounded to 10 places: enough for any real use, and the point below which the
# databases' arithmetic (exact numeric, double, MariaDB's 4 extra digits) would disagree.
_AVG_PLACES = decimal.Decimal("1e-10")


def _count(value: Any) -> str:
    return str(int(value or 0))


def _average(value: Any) -> Any:
    if value is None:
        return None
    number = decimal.Decimal(str(value)).quantize(_AVG_PLACES, rounding=decimal.ROUND_HALF_EVEN)
    text = format(number, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text


def _sql(operation: str, column: Any, dialect: str) -> Any:
    if operation.startswith("avg") and dialect in ("mysql", "mariadb"):
        column = column + sa.literal_column("0e0")  # a double: MariaDB keeps only 4 more digits
    return {
        "count": lambda c: sa.func.count(c),
        "countDistinct": lambda c: sa.func.count(sa.distinct(c)),
        "sum": lambda c: sa.func.sum(c),
        "sumDistinct": lambda c: sa.func.sum(sa.distinct(c)),
        "avg": lambda c: sa.func.avg(c),
        "avgDistinct": lambda c: sa.func.avg(sa.distinct(c)),
        "min": lambda c: sa.func.min(c),
        "max": lambda c: sa.func.max(c),
    }[operation](column)


def _result_serializer(operation: str, field: Field) -> Callable[[Any], Any]:
    if operation.startswith("count"):
        return _count
    if operation.startswith("avg"):
        return float if field.type == "float" else _average
    if operation.startswith("sum"):
        if field.type in ("integer", "bigInteger"):
            return lambda v: str(int(v))
        if field.type == "decimal":
            return decimal_serializer(field.scale)
        return float
    return serializer_for(field.type, field.scale)


class _Plan:
    """Labelled SELECT columns and how to put each result where Directus puts it."""

    def __init__(self) -> None:
        self.columns: list[Any] = []
        self.writers: list[Callable[[Any, dict[str, Any]], None]] = []
        self.sortable: dict[str, Any] = {}

    def add(self, expr: Any, write: Callable[[Any, dict[str, Any]], None]) -> str:
        label = f"a{len(self.columns)}"
        self.columns.append(expr.label(label))
        self.writers.append(lambda mapping, out: write(mapping[label], out))
        return label


def _field(collection: Collection, name: str, operation: str) -> Field:
    spec = collection.get(name)
    if spec is None:
        raise ForbiddenError.field(name, collection.name)
    if operation in ("sum", "sumDistinct", "avg", "avgDistinct") and spec.type not in _NUMERIC:
        raise InvalidQueryError(f'Aggregate "{operation}" needs a numeric field, "{name}" is not')
    return spec


def _add_group(plan: _Plan, ctx: Context, collection: Collection, table: Any, name: str) -> Any:
    call = split_call(name)
    ctx.check_field(collection, call[1] if call else name)
    if call:
        function, argument = call
        spec = collection.get(argument)
        if spec is None:
            raise ForbiddenError.field(argument, collection.name)
        check_function(function, spec.type, False)
        expr = date_part(function, table.c[argument], ctx.dialect)
        key = output_key(function, argument)
        plan.add(expr, lambda v, out, k=key: out.__setitem__(k, function_value(v)))
    else:
        spec = collection.get(name)
        if spec is None:
            raise ForbiddenError.field(name, collection.name)
        expr = table.c[name]
        key = name
        serialize = serializer_for(spec.type, spec.scale)
        plan.add(
            expr, lambda v, out, k=key: out.__setitem__(k, None if v is None else serialize(v))
        )
    plan.sortable[key] = expr
    return expr


def _add_aggregate(
    plan: _Plan, ctx: Context, collection: Collection, table: Any, operation: str, name: str
) -> None:
    if name == "*":
        if operation != "count":
            raise InvalidQueryError(f'"*" can only be used with "count", not with "{operation}"')
        expr = sa.func.count()
        plan.add(expr, lambda v, out: out.__setitem__("count", _count(v)))
        plan.sortable["count"] = expr
        return
    ctx.check_field(collection, name)
    spec = _field(collection, name, operation)
    expr = _sql(operation, table.c[name], ctx.dialect)
    serialize = _result_serializer(operation, spec)

    def write(value: Any, out: dict[str, Any]) -> None:
        out.setdefault(operation, {})[name] = None if value is None else serialize(value)

    plan.add(expr, write)
    plan.sortable[f"{operation}.{name}"] = expr


def read_aggregate(
    conn: Connection,
    ctx: Context,
    collection: Collection,
    aggregate: dict[str, list[str]],
    group_by: list[str] | None,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
) -> list[dict[str, Any]]:
    """The rows of an aggregate query (one row without `groupBy`)."""
    plan = _Plan()
    table = joins.root
    groups = [_add_group(plan, ctx, collection, table, name) for name in group_by or ()]
    for operation, names in aggregate.items():
        if operation not in OPERATIONS:
            raise InvalidQueryError(f'"aggregate.{operation}" is not allowed')
        if operation == "countAll":
            continue  # GraphQL only: Directus's REST API drops it
        for name in names:
            _add_aggregate(plan, ctx, collection, table, operation, name)
    if not plan.columns:
        return [{}]
    statement = sa.select(*plan.columns).select_from(joins.from_clause).where(where)
    if groups:
        order = _order(plan, sort, group_by or [], ctx.dialect)
        statement = statement.group_by(*groups).order_by(*order)
        if page.limit is not None:
            statement = statement.limit(page.limit)
        if page.offset:
            statement = statement.offset(page.offset)
    rows = []
    for row in conn.execute(statement):
        out: dict[str, Any] = {}
        for write in plan.writers:
            write(row._mapping, out)
        rows.append(out)
    return rows


def _order(plan: _Plan, sort: list[str] | None, group_by: list[str], dialect: str) -> list[Any]:
    clauses = []
    for text in sort or [group_by[0]]:
        descending = text.startswith("-")
        key = text[1:] if descending else text
        call = split_call(key)
        if call:
            key = output_key(*call)
        if key not in plan.sortable:
            raise ForbiddenError.field(key.split(".")[-1], "aggregate")
        clauses.extend(ordered(plan.sortable[key], descending, dialect))
    for name in group_by:  # every group key breaks ties, so the order is the same everywhere
        call = split_call(name)
        clauses.extend(ordered(plan.sortable[output_key(*call) if call else name], False, dialect))
    return clauses
