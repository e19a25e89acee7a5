"""One-to-many key lists (`comments` under `*`: `[1, 5, 9]`) folded into the parent's own
statement as a correlated JSON-array subquery, so `*` costs no extra statement per relation.

Each database spells the aggregate differently; all three keep the child key order and the
per-parent cap that a batched read would apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from dxgen.runtime.model import Collection
from dxgen.runtime.serialize import NATIVE_TYPES, serializer_for

FOLDABLE_KEY_TYPES = frozenset({"integer", "bigInteger", "string", "uuid"})


class _MysqlKeyArray(FunctionElement[Any]):
    """`JSON_ARRAYAGG(key ORDER BY key LIMIT n)`: MariaDB cannot correlate a derived table,
    so the order and the cap go inside the aggregate."""

    name = "json_arrayagg"
    inherit_cache = True


@compiles(_MysqlKeyArray)
def _compile_mysql_key_array(element: _MysqlKeyArray, compiler: Any, **kw: Any) -> str:
    value, limit, *order = list(element.clauses)
    ordering = ", ".join(compiler.process(column, **kw) for column in order)
    cap = "" if limit.value is None else f" LIMIT {int(limit.value)}"
    return f"JSON_ARRAYAGG({compiler.process(value, **kw)} ORDER BY {ordering}{cap})"


def key_list(
    dialect: str,
    child: Collection,
    child_table: sa.FromClause,
    parent_table: sa.FromClause,
    condition: sa.ColumnElement[bool],
    limit: int | None,
) -> sa.ScalarSelect[Any]:
    """The keys of `child_table` rows matching `condition` (correlated to the parent), in key
    order, at most `limit`, as one JSON array value. A composite key is its values joined by
    commas, as in item URLs."""
    columns = [child_table.c[name] for name in child.primary_key]
    key: sa.ColumnElement[Any] = columns[0]
    if len(columns) > 1:
        key = sa.cast(columns[0], sa.String)
        for column in columns[1:]:
            key = key + sa.literal(",") + sa.cast(column, sa.String)
    if dialect in ("mysql", "mariadb"):
        aggregate = _MysqlKeyArray(key, sa.literal(limit), *columns)
        return sa.select(aggregate).where(condition).scalar_subquery()
    # a derived table is not correlated by default: name the parent as coming from outside
    inner = (
        sa.select(key.label("k"), *columns)
        .where(condition)
        .order_by(*columns)
        .correlate(parent_table)
    )
    if limit is not None:
        inner = inner.limit(limit)
    rows = inner.subquery()
    if dialect == "postgresql":
        ordering = [rows.c[c.name] for c in columns]
        aggregate = sa.func.json_agg(aggregate_order_by(rows.c.k, *ordering))
    else:
        aggregate = sa.func.json_group_array(rows.c.k)
    return sa.select(aggregate).scalar_subquery()


def decoder(child: Collection) -> Callable[[Any], list[Any]]:
    """JSON array text (or an already-decoded list) -> wire values of the child keys."""
    spec = child.get(child.primary_key[0])
    assert spec is not None
    single = len(child.primary_key) == 1
    serialize = serializer_for(spec.type, spec.scale) if single else str
    native = NATIVE_TYPES.get(spec.type) if single else str

    def decode(value: Any) -> list[Any]:
        if value is None:
            return []
        items = orjson.loads(value) if isinstance(value, str | bytes) else value
        if all(type(item) is native for item in items):  # JSON already holds wire values
            return items
        return [serialize(item) for item in items]

    return decode


def foldable(child: Collection, parent: Collection, deep: dict[str, Any]) -> bool:
    """Whether a key list can be folded: a single-column parent key, child key columns of
    types whose text is their wire value, and no `deep` option but `_limit`."""
    if parent.single_key is None or not child.primary_key:
        return False
    specs = [child.get(name) for name in child.primary_key]
    types_ok = all(spec is not None and spec.type in FOLDABLE_KEY_TYPES for spec in specs)
    return types_ok and set(deep) <= {"_limit"}
