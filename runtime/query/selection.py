"""What one SELECT of a read takes from the tree of `fields`: labelled columns, many-to-ones
joined in, key lists folded in, and the functions building objects from its rows. Also the
ORDER BY every read shares and the page of a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection
from dxgen.runtime.query import keylists
from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.fields import Item, Node
from dxgen.runtime.query.filters import compile_filter, count_children, row_condition
from dxgen.runtime.query.functions import date_part, split_call
from dxgen.runtime.serialize import NATIVE_TYPES, function_value, serializer_for

# key-list subqueries without a row filter, by (dialect, parent table, relation, limit)
_KEY_LISTS: dict[tuple[Any, ...], sa.ScalarSelect[Any]] = {}
Assembler = Callable[[Any], dict[str, Any] | None]  # row (read by position) -> object


@dataclass
class Page:
    """Where a list starts and how long it is; `limit` None means all rows."""

    limit: int | None
    offset: int = 0


@dataclass
class Pending:
    """The parents waiting for one one-to-many relation's rows: (parent key, object, key)."""

    item: Item
    waiting: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


class Selection:
    """Labelled columns of one SELECT and the functions that turn its rows into objects."""

    def __init__(self, ctx: Context, joins: Joins) -> None:
        self.ctx = ctx
        self.joins = joins
        self.columns: list[sa.Label[Any]] = []
        self.children: list[Pending] = []

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
        children = Pending(item)
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
