"""Nested one-to-many / many-to-many lists, read level by level: every relation of a level is
read by the same UNION ALL statement, batched with `IN` over all parents at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import NullType, TypeDecorator

from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.filters import compile_filter, row_condition, search_condition
from dxgen.runtime.query.selection import (
    Assembler,
    Page,
    Pending,
    Selection,
    nested_page,
    order_clauses,
)

IN_BATCH = 5000


def load_children(conn: Connection, ctx: Context, pending: list[Pending]) -> None:
    """Fill the one-to-many lists of a tree level by level. Every relation of one level is
    read by the same statement (a UNION ALL of one branch per relation), so a read costs one
    statement per level of relations, however many relations and rows it has."""
    level = pending
    while level:
        level = _load_level(conn, ctx, level)


@dataclass
class _Branch:
    """One relation's part of a level statement: its SELECT and how to read its rows."""

    index: int  # which `Pending` of the level it fills
    selection: Selection
    assemble: Assembler
    fk_label: int
    statement: sa.Select[Any]


def _load_level(conn: Connection, ctx: Context, level: list[Pending]) -> list[Pending]:
    """Read one level; return the next level's pending lists."""
    found: list[dict[Any, list[Any]]] = [{} for _ in level]
    work: list[tuple[int, list[Any]]] = []
    for index, children in enumerate(level):
        keys = list(dict.fromkeys(k for k, _ in children.waiting if k is not None))
        work.extend((index, keys[s : s + IN_BATCH]) for s in range(0, len(keys), IN_BATCH))
    nested: list[Pending] = []
    for batch in _packed(work):
        branches = [_branch(ctx, level[index], index, keys) for index, keys in batch]
        for branch, row in _rows(conn, branches):
            obj = branch.assemble(row)
            value: Any = obj
            if level[branch.index].item.keys_only and obj is not None:
                parts = list(obj.values())
                value = ",".join(str(v) for v in parts) if len(parts) > 1 else parts[0]
            found[branch.index].setdefault(row[branch.fk_label], []).append(value)
        nested.extend(child for branch in branches for child in branch.selection.children)
    for index, children in enumerate(level):
        for key, out in children.waiting:
            out[children.item.key] = found[index].get(key, [])
    return nested


def _packed(work: list[tuple[int, list[Any]]]) -> Iterator[list[tuple[int, list[Any]]]]:
    """Branches grouped so that one statement binds at most IN_BATCH parent keys."""
    batch: list[tuple[int, list[Any]]] = []
    size = 0
    for index, keys in work:
        if batch and size + len(keys) > IN_BATCH:
            yield batch
            batch, size = [], 0
        batch.append((index, keys))
        size += len(keys)
    if batch:
        yield batch


def _branch(ctx: Context, children: Pending, index: int, keys: list[Any]) -> _Branch:
    """The children of `keys` for one relation, numbered in order in an `_o` column."""
    item = children.item
    assert item.relation is not None and item.child is not None
    node = item.child
    child = node.collection
    table = child.table.alias(f"r{index}")
    joins = Joins(ctx, child, table)
    selection = Selection(ctx, joins)
    fk = table.c[item.relation.related_field]
    fk_label = selection.label(fk)
    assemble = selection.add(node, table)
    deep = node.deep
    where = sa.and_(fk.in_(keys), compile_filter(ctx, joins, deep.get("_filter")))
    allowed = row_condition(ctx, child, table)
    if allowed is not None:  # children the caller may not read are left out
        where = sa.and_(where, allowed)
    if deep.get("_search"):
        where = sa.and_(where, search_condition(ctx, child, table, str(deep["_search"])))
    sort = deep.get("_sort")
    order = order_clauses(ctx, joins, sort if isinstance(sort, list) else _split(sort), child)
    statement = _per_parent(selection, joins, where, order, fk, nested_page(deep, ctx))
    return _Branch(index, selection, assemble, fk_label, statement)


def _rows(conn: Connection, branches: list[_Branch]) -> Iterator[tuple[_Branch, Any]]:
    """The rows of every branch, each in its own order. Several branches run as one UNION
    ALL: each takes its own columns of a wide row (NULL in the others' columns, typed for
    SQLAlchemy only, so each database infers the real type from the branch that has it)."""
    if len(branches) == 1:
        statement = branches[0].statement
        yield from (
            (branches[0], row)
            for row in conn.execute(statement.order_by(statement.selected_columns["_o"]))
        )
        return
    subqueries = [branch.statement.subquery(f"b{i}") for i, branch in enumerate(branches)]
    layout = [
        (i, column.name, column.type)
        for i, branch in enumerate(branches)
        for column in branch.selection.columns
    ]
    selects = []
    for i, subquery in enumerate(subqueries):
        columns = [sa.literal_column(str(i), sa.Integer).label("_b"), subquery.c._o.label("_o")]
        for position, (owner, name, type_) in enumerate(layout):
            value = _wide_column(conn.dialect, subquery.c[name] if owner == i else None, type_)
            columns.append(value.label(f"g{position}"))
        selects.append(sa.select(*columns).select_from(subquery))
    union = sa.union_all(*selects)
    statement = union.order_by(sa.literal_column("_b"), sa.literal_column("_o"))
    # a branch's own column k sits at position 2 + (its offset in the layout) + k of a wide row
    starts = {owner: position for position, (owner, _, _) in reversed(list(enumerate(layout)))}
    offsets = [2 + starts[i] for i in range(len(branches))]
    for row in conn.execute(statement):
        index = row[0]
        yield branches[index], _Shifted(row, offsets[index])


def _wide_column(dialect: Any, value: Any, type_: Any) -> sa.ColumnElement[Any]:
    """A column of a level statement: the branch's own `value`, or a NULL standing in for
    another branch's column. PostgreSQL types a UNION column from its first branches, so its
    NULLs carry the real type (and values of types it cannot name for a NULL, such as enums,
    travel as text); MariaDB and SQLite type the column from every branch."""
    if dialect.name != "postgresql":
        return value if value is not None else sa.type_coerce(sa.null(), type_)
    impl = type_.load_dialect_impl(dialect) if isinstance(type_, TypeDecorator) else type_
    nameless = isinstance(impl, NullType)
    if value is None:
        return sa.type_coerce(sa.cast(sa.null(), sa.Text if nameless else type_), type_)
    return sa.type_coerce(sa.cast(value, sa.Text), type_) if nameless else value


class _Shifted:
    """A wide row of a level statement seen through one branch's own column positions."""

    __slots__ = ("_offset", "_row")

    def __init__(self, row: Any, offset: int) -> None:
        self._row = row
        self._offset = offset

    def __getitem__(self, index: int) -> Any:
        return self._row[self._offset + index]


def _split(sort: Any) -> list[str] | None:
    if sort is None:
        return None
    return [part.strip() for part in str(sort).split(",") if part.strip()]


def _per_parent(
    selection: Selection,
    joins: Joins,
    where: sa.ColumnElement[bool],
    order: list[sa.ColumnElement[Any]],
    fk: sa.ColumnElement[Any],
    page: Page,
) -> sa.Select[Any]:
    """All children of all parents in one statement, numbered in order in `_o`; with a limit,
    the number restarts per parent so the limit applies per parent, not to the whole batch."""
    base = sa.select(*selection.columns).select_from(joins.from_clause).where(where)
    if page.limit is None and not page.offset:
        return base.add_columns(sa.func.row_number().over(order_by=order).label("_o"))
    number = sa.func.row_number().over(partition_by=fk, order_by=order).label("_n")
    inner = base.add_columns(number).subquery()
    columns = [inner.c[c.name] for c in selection.columns]
    outer = sa.select(*columns, inner.c._n.label("_o")).where(inner.c._n > page.offset)
    if page.limit is not None:
        outer = outer.where(inner.c._n <= page.offset + page.limit)
    return outer
