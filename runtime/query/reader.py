"""Run a read: one statement for the root (many-to-one relations joined into it, key lists
folded in) and one per level of one-to-many / many-to-many relations below it: every relation
of a level is read by the same UNION ALL statement, batched with `IN` over all parents at once.

So a page of 1,000 articles with authors, comments and tags costs two statements, not 3,001.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import NullType, TypeDecorator

from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection
from dxgen.runtime.query import keylists
from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.fields import Item, Node
from dxgen.runtime.query.filters import (
    compile_filter,
    count_children,
    row_condition,
    search_condition,
)
from dxgen.runtime.query.functions import date_part, split_call
from dxgen.runtime.serialize import NATIVE_TYPES, function_value, serializer_for

IN_BATCH = 5000
# key-list subqueries without a row filter, by (dialect, parent table, relation, limit)
_KEY_LISTS: dict[tuple[Any, ...], sa.ScalarSelect[Any]] = {}
Assembler = Callable[[Any], dict[str, Any] | None]  # row (read by position) -> object


@dataclass
class Page:
    """Where a list starts and how long it is; `limit` None means all rows."""

    limit: int | None
    offset: int = 0


@dataclass
class _Children:
    """The parents waiting for one one-to-many relation's rows: (parent key, object, key)."""

    item: Item
    waiting: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


class Selection:
    """Labelled columns of one SELECT and the functions that turn its rows into objects."""

    def __init__(self, ctx: Context, joins: Joins) -> None:
        self.ctx = ctx
        self.joins = joins
        self.columns: list[sa.Label[Any]] = []
        self.children: list[_Children] = []

    def label(self, expr: sa.ColumnElement[Any]) -> int:
        """Select `expr`; rows are read by the returned position (cheaper than by name)."""
        index = len(self.columns)
        self.columns.append(expr.label(f"c{index}"))
        return index

    def add(self, node: Node, table: sa.FromClause, nullable: bool = False) -> Assembler:
        """Select what `node` needs from `table` (joining its many-to-ones) and return the
        function building its object from a row (None for a missing many-to-one target)."""
        collection = node.collection
        keys = [self.label(table.c[name]) for name in collection.primary_key]
        parts = [self._part(collection, table, item) for item in node.items]

        def assemble(row: Any) -> dict[str, Any] | None:
            if nullable and all(row[k] is None for k in keys):
                return None
            out: dict[str, Any] = {}
            for key, build in parts:
                out[key] = build(row, out)
            return out

        return assemble

    def _part(
        self, collection: Collection, table: sa.FromClause, item: Item
    ) -> tuple[str, Callable[[Any, dict[str, Any]], Any]]:
        if item.kind == "column":
            spec = collection.get(item.field)
            assert spec is not None
            index = self.label(table.c[item.field])
            serialize = serializer_for(spec.type, spec.scale)
            native = NATIVE_TYPES.get(spec.type)

            def column(row: Any, _out: dict[str, Any]) -> Any:
                value = row[index]
                if value is None or type(value) is native:  # already its wire value
                    return value
                return serialize(value)

            return item.key, column
        if item.kind == "function":
            if item.function == "count":
                expr = count_children(self.ctx, collection, table, item.field)
            else:
                expr = date_part(item.function or "", table.c[item.field], self.ctx.dialect)
            index = self.label(expr)
            return item.key, lambda row, _o: function_value(row[index])
        assert item.child is not None
        if item.kind == "m2o":
            return item.key, self._many_to_one(collection, table, item)
        return item.key, self._one_to_many(collection, table, item)

    def _many_to_one(
        self, collection: Collection, table: sa.FromClause, item: Item
    ) -> Callable[[Any, dict[str, Any]], Any]:
        assert item.child is not None
        deep_filter = item.child.deep.get("_filter")
        on_extra = None
        if deep_filter:

            def on_extra(target: Collection, alias: sa.FromClause) -> sa.ColumnElement[bool]:
                return compile_filter(self.ctx, Joins(self.ctx, target, alias), deep_filter)

        _, alias = self.joins.join(collection, table, item.field, on_extra)
        assemble = self.add(item.child, alias, nullable=True)
        return lambda m, _o: assemble(m)

    def _one_to_many(
        self, collection: Collection, table: sa.FromClause, item: Item
    ) -> Callable[[Any, dict[str, Any]], Any]:
        if collection.single_key is None:
            raise InvalidQueryError(f'"{item.key}" cannot be read on a collection without a key')
        assert item.child is not None and item.relation is not None
        if item.keys_only and keylists.foldable(item.child.collection, collection, item.child.deep):
            return self._key_list(collection, table, item)
        key = self.label(table.c[collection.single_key])
        children = _Children(item)
        self.children.append(children)

        def build(row: Any, out: dict[str, Any]) -> list[Any]:
            children.waiting.append((row[key], out))
            return []

        return build

    def _key_list(
        self, collection: Collection, table: sa.FromClause, item: Item
    ) -> Callable[[Any, dict[str, Any]], Any]:
        """A key list read by the parent's own statement (see `keylists`). Without a row
        filter it depends only on the schema, so it is built once per worker and reused."""
        assert item.child is not None and item.relation is not None and collection.single_key
        child = item.child.collection
        page = nested_page(item.child.deep, self.ctx)
        rule = self.ctx.rule(child, "read")  # None: unrestricted; 403 when not granted
        filtered = rule is not None and bool(rule.filter)
        cache_key = (self.ctx.dialect, table, item.field, page.limit)
        expr = None if filtered else _KEY_LISTS.get(cache_key)
        if expr is None:
            child_table = child.table.alias()
            fk = child_table.c[item.relation.related_field]
            condition = fk == table.c[collection.single_key]
            allowed = row_condition(self.ctx, child, child_table)
            if allowed is not None:
                condition = sa.and_(condition, allowed)
            expr = keylists.key_list(
                self.ctx.dialect, child, child_table, table, condition, page.limit
            )
            if not filtered and isinstance(table, sa.Table):  # a base table: stable
                _KEY_LISTS[cache_key] = expr
        index = self.label(expr)
        decode = keylists.decoder(child)
        return lambda row, _o: decode(row[index])


def order_clauses(
    ctx: Context, joins: Joins, sort: list[str] | None, collection: Collection
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY for `sort`, then the primary key, so ties come back in the same order on every
    database. NULLs sort as on PostgreSQL: last ascending, first descending."""
    clauses: list[sa.ColumnElement[Any]] = []
    used: set[str] = set()
    for text in sort or ():
        descending = text.startswith("-")
        name = text[1:] if descending else text
        expr = _sort_expression(ctx, joins, name)
        if "." not in name:
            used.add(name)
        clauses.extend(ordered(expr, descending, ctx.dialect))
    root = joins.root
    for key in collection.primary_key or [f.name for f in collection.fields]:
        if key not in used:
            clauses.extend(ordered(root.c[key], False, ctx.dialect))
    return clauses


def _sort_expression(ctx: Context, joins: Joins, name: str) -> sa.ColumnElement[Any]:
    *relations, last = name.split(".")
    path: tuple[str, ...] = ()
    for segment in relations:
        collection, _ = joins.resolve(path)
        ctx.check_field(collection, segment, path)
        relation = collection.relation_map.get(segment)
        if relation is None or relation.kind != "m2o":
            raise ForbiddenError.field(segment, collection.name, path)
        path = (*path, segment)
    collection, table = joins.resolve(path)
    call = split_call(last)
    ctx.check_field(collection, call[1] if call else last, path)
    if call and collection.get(call[1]) is not None:
        return date_part(call[0], table.c[call[1]], ctx.dialect)
    if collection.get(last) is None:
        raise ForbiddenError.field(last, collection.name, path)
    return table.c[last]


def ordered(expr: Any, descending: bool, dialect: str) -> list[sa.ColumnElement[Any]]:
    if dialect in ("mysql", "mariadb"):  # no NULLS FIRST/LAST: sort on IS NULL first
        null_rank = expr.is_(None)
        return [
            null_rank.desc() if descending else null_rank.asc(),
            expr.desc() if descending else expr.asc(),
        ]
    return [expr.desc().nulls_first() if descending else expr.asc().nulls_last()]


def _root(
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
) -> tuple[Selection, Assembler, sa.Select[Any]]:
    """The root statement of a list, and how to build objects from its rows."""
    selection = Selection(ctx, joins)
    assemble = selection.add(node, joins.root)
    order = order_clauses(ctx, joins, sort, node.collection)
    statement = sa.select(*selection.columns).select_from(joins.from_clause).where(where)
    statement = statement.order_by(*order)
    if page.limit is not None:
        statement = statement.limit(page.limit)
    if page.offset:
        statement = statement.offset(page.offset)
    return selection, assemble, statement


def read_rows(
    conn: Connection,
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
) -> list[dict[str, Any]]:
    """The objects of one list request (root statement plus one per o2m relation)."""
    selection, assemble, statement = _root(ctx, node, where, joins, sort, page)
    rows = [assemble(row) for row in conn.execute(statement)]
    load_children(conn, ctx, selection.children)
    return rows  # type: ignore[return-value]


def stream_rows(
    conn: Connection,
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
    batch: int = 1000,
    first: int = 50,
) -> Iterator[list[dict[str, Any]]]:
    """Like `read_rows` but batch by batch from a server-side cursor: memory stays flat. The
    first batch is small so the first bytes of an export leave at once."""
    selection, assemble, statement = _root(ctx, node, where, joins, sort, page)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(statement)
    # Children are read on a second connection: a MySQL connection with an unbuffered result
    # open would silently drop that result's remaining rows to run another statement.
    with ExitStack() as stack:
        side = stack.enter_context(conn.engine.connect()) if selection.children else conn
        size = first
        while chunk := result.fetchmany(size):
            size = batch
            objects = [assemble(row) for row in chunk]
            load_children(side, ctx, selection.children)
            for children in selection.children:
                children.waiting.clear()
            yield objects  # type: ignore[misc]


def load_children(conn: Connection, ctx: Context, pending: list[_Children]) -> None:
    """Fill the one-to-many lists of a tree level by level. Every relation of one level is
    read by the same statement (a UNION ALL of one branch per relation), so a read costs one
    statement per level of relations, however many relations and rows it has."""
    level = pending
    while level:
        level = _load_level(conn, ctx, level)


@dataclass
class _Branch:
    """One relation's part of a level statement: its SELECT and how to read its rows."""

    index: int  # which `_Children` of the level it fills
    selection: Selection
    assemble: Assembler
    fk_label: int
    statement: sa.Select[Any]


def _load_level(conn: Connection, ctx: Context, level: list[_Children]) -> list[_Children]:
    """Read one level; return the next level's pending lists."""
    found: list[dict[Any, list[Any]]] = [{} for _ in level]
    work: list[tuple[int, list[Any]]] = []
    for index, children in enumerate(level):
        keys = list(dict.fromkeys(k for k, _ in children.waiting if k is not None))
        work.extend((index, keys[s : s + IN_BATCH]) for s in range(0, len(keys), IN_BATCH))
    nested: list[_Children] = []
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


def _branch(ctx: Context, children: _Children, index: int, keys: list[Any]) -> _Branch:
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


def nested_page(deep: dict[str, Any], ctx: Context) -> Page:
    """Directus caps each parent's children at the default limit unless `deep` says otherwise."""
    limit = _deep_int(deep, "_limit", ctx.default_limit)
    offset = _deep_int(deep, "_offset", 0)
    page_number = _deep_int(deep, "_page", 0)
    if page_number >= 1 and limit != -1:
        offset = limit * (page_number - 1)
    return Page(None if limit == -1 else limit, offset)


def _deep_int(deep: dict[str, Any], key: str, default: int) -> int:
    if key not in deep:
        return default
    try:
        return int(str(deep[key]))
    except ValueError:
        raise InvalidQueryError(f'"deep.{key}" must be a number') from None


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
