"""The items service: Directus's `/items` semantics over one collection, framework-free.

Reads compile to SQL through `query`; writes validate through `payload`, run in one transaction,
and translate database errors. Keys are tuples (one value per primary-key column) so composite
keys need no special casing anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from dxgen.runtime import payload as payloads
from dxgen.runtime import validation
from dxgen.runtime.db import run_in_transaction
from dxgen.runtime.dberrors import translate
from dxgen.runtime.errors import (
    DirectusError,
    ErrorGroup,
    ForbiddenError,
    InvalidForeignKeyError,
    InvalidPayloadError,
    InvalidQueryError,
)
from dxgen.runtime.hooks import NO_HOOKS, HookContext, Hooks
from dxgen.runtime.model import Collection
from dxgen.runtime.permissions import Rule
from dxgen.runtime.query.aggregate import read_aggregate
from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.fields import Item, Node, build_tree
from dxgen.runtime.query.filters import compile_filter, row_condition, search_condition
from dxgen.runtime.query.parse import Query
from dxgen.runtime.query.reader import read_rows, stream_rows
from dxgen.runtime.query.selection import Page, order_clauses
from dxgen.runtime.query.values import coerce, resolve_variable
from dxgen.runtime.serialize import serializer_for

Key = tuple[Any, ...]


def page_for(query: Query, default: int, maximum: int) -> Page:
    """Directus's limit rules, with `QUERY_LIMIT_MAX` applied the way Directus applies it."""
    limit = default if query.limit is None else query.limit
    if maximum != -1:
        if query.limit is None:
            limit = min(default, maximum)
        elif query.limit == -1:
            limit = maximum
        elif query.limit > maximum:
            raise InvalidQueryError(f'"limit" must be less than or equal to {maximum}')
    offset = query.offset or 0
    if query.page and query.page >= 1 and limit != -1:
        offset = limit * (query.page - 1)
    return Page(None if limit == -1 else limit, offset)


@dataclass
class ItemsService:
    """One collection, one request: who asks (`ctx`) and with which limits."""

    engine: Engine
    ctx: Context
    collection: Collection
    limit_default: int = 100
    limit_max: int = -1
    max_batch: int | None = None
    hooks: Hooks = field(default=NO_HOOKS)

    @property
    def hook_context(self) -> HookContext:
        return HookContext(self.collection.name, self.ctx.user, self.ctx.role)

    # -- reading ---------------------------------------------------------------------------

    def _where(self, joins: Joins, query: Query) -> sa.ColumnElement[bool]:
        where = sa.and_(self._readable(joins.root), compile_filter(self.ctx, joins, query.filter))
        if query.search:
            search = search_condition(self.ctx, self.collection, joins.root, query.search)
            where = sa.and_(where, search)
        return where

    def _readable(self, table: sa.FromClause) -> sa.ColumnElement[bool]:
        """The caller's read filter on the root rows (403 when reading is not granted)."""
        allowed = row_condition(self.ctx, self.collection, table)
        return sa.true() if allowed is None else allowed

    def _tree(self, query: Query) -> Node:
        return build_tree(
            self.ctx, self.collection, query.fields, query.deep, query.backlink, query.alias
        )

    def read_by_query(self, query: Query) -> dict[str, Any]:
        """The body of `GET /items/<collection>`: `{"meta":…, "data":[…]}` (meta first)."""
        query = self.hooks.filter("before_read", query, self.hook_context)
        node = None if query.aggregate else self._tree(query)
        page = page_for(query, self.limit_default, self.limit_max)
        with self.engine.connect() as conn:
            joins = Joins(self.ctx, self.collection, self.collection.table)
            where = self._where(joins, query)
            meta = self._meta(conn, query) if query.meta else None
            if query.aggregate:
                data = read_aggregate(
                    conn,
                    self.ctx,
                    self.collection,
                    query.aggregate,
                    query.group_by,
                    where,
                    joins,
                    query.sort,
                    page,
                )
                return {"meta": meta, "data": data} if meta is not None else {"data": data}
            assert node is not None
            data = read_rows(conn, self.ctx, node, where, joins, query.sort, page)
        data = self.hooks.filter("after_read", data, self.hook_context)
        return {"meta": meta, "data": data} if meta is not None else {"data": data}

    def stream_by_query(self, query: Query) -> Iterator[list[dict[str, Any]]]:
        """Batches of items for exports and unbounded lists, read with a server-side cursor."""
        query = self.hooks.filter("before_read", query, self.hook_context)
        node = self._tree(query)
        page = page_for(query, self.limit_default, self.limit_max)
        with self.engine.connect() as conn:
            joins = Joins(self.ctx, self.collection, self.collection.table)
            where = self._where(joins, query)
            for batch in stream_rows(conn, self.ctx, node, where, joins, query.sort, page):
                yield self.hooks.filter("after_read", batch, self.hook_context)

    def _meta(self, conn: Connection, query: Query) -> dict[str, int]:
        meta: dict[str, int] = {}
        table = self.collection.table
        for kind in query.meta:
            if kind == "total_count":  # all the rows the caller may read
                statement = sa.select(sa.func.count()).select_from(table)
                statement = statement.where(self._readable(table))
            else:
                joins = Joins(self.ctx, self.collection, table)
                where = self._where(joins, query)
                statement = sa.select(sa.func.count()).select_from(joins.from_clause).where(where)
            meta[kind] = int(conn.execute(statement).scalar_one())
        return meta

    def read_one(self, key: Key, query: Query) -> dict[str, Any]:
        """One item; a missing one is the plain 403 (Directus does not reveal what exists)."""
        items = self.read_keys([key], query)
        if not items:
            raise ForbiddenError()
        return items[0]

    def read_keys(self, keys: list[Key], query: Query) -> list[dict[str, Any]]:
        """The items with `keys`, in that order (missing ones left out)."""
        if not keys:
            return []
        query = self.hooks.filter("before_read", query, self.hook_context)
        node = self._tree(query)
        hidden = self._expose_keys(node)
        with self.engine.connect() as conn:
            joins = Joins(self.ctx, self.collection, self.collection.table)
            where = sa.and_(
                self._key_filter(keys),
                self._readable(joins.root),
                compile_filter(self.ctx, joins, query.filter),
            )
            rows = read_rows(conn, self.ctx, node, where, joins, None, Page(None))
        by_key = {self._key_of(row, hidden): row for row in rows}
        ordered = [by_key[k] for k in (self._normal_key(k) for k in keys) if k in by_key]
        for row in ordered:
            for name in hidden:
                row.pop(name, None)
        return self.hooks.filter("after_read", ordered, self.hook_context)

    def _expose_keys(self, node: Node) -> list[str]:
        """Make sure the primary key is read; return the hidden keys added for that."""
        present = {item.key for item in node.items if item.kind == "column"}
        hidden = []
        for name in self.collection.primary_key:
            if name not in present:
                key = f"\0{name}"
                node.items.append(Item(key, "column", name))
                hidden.append(key)
        return hidden

    def _key_of(self, row: dict[str, Any], hidden: list[str]) -> Key:
        return tuple(
            str(row[f"\0{name}"] if f"\0{name}" in hidden else row[name])
            for name in self.collection.primary_key
        )

    def _normal_key(self, key: Key) -> Key:
        """Keys compared as their wire strings, so `1` and the read-back `1` agree."""
        serialized = []
        for name, value in zip(self.collection.primary_key, key, strict=True):
            spec = self.collection.get(name)
            assert spec is not None
            serialized.append(str(serializer_for(spec.type, spec.scale)(value)))
        return tuple(serialized)

    def _key_filter(self, keys: list[Key], table: sa.FromClause | None = None) -> Any:
        table = self.collection.table if table is None else table
        names = self.collection.primary_key
        if len(names) == 1:
            return table.c[names[0]].in_([k[0] for k in keys])
        return sa.or_(
            *(sa.and_(*(table.c[n] == v for n, v in zip(names, k, strict=True))) for k in keys)
        )

    # -- keys ------------------------------------------------------------------------------

    def parse_key(self, raw: str) -> Key:
        """A URL key: the primary-key values joined by `,` in key order. Anything that is not a
        valid key for this collection is the plain 403, as Directus answers for bad ids."""
        names = self.collection.primary_key
        parts = raw.split(",") if len(names) > 1 else [raw]
        if len(parts) != len(names):
            raise ForbiddenError()
        return tuple(
            self.coerce_key_part(name, part) for name, part in zip(names, parts, strict=True)
        )

    def coerce_key_part(self, name: str, value: Any) -> Any:
        spec = self.collection.get(name)
        assert spec is not None
        try:
            coerced = coerce(spec.type, value, self.ctx)
        except DirectusError:
            raise ForbiddenError() from None
        if spec.type in ("integer", "bigInteger") and not isinstance(coerced, int):
            raise ForbiddenError()
        return coerced

    def key_from_item(self, item: Any) -> Key | None:
        if not isinstance(item, dict) or any(n not in item for n in self.collection.primary_key):
            return None
        return tuple(self.coerce_key_part(n, item[n]) for n in self.collection.primary_key)

    def keys_from_body(self, raw_keys: Any) -> list[Key]:
        if not isinstance(raw_keys, list):
            raise InvalidPayloadError('"keys" must be an array')
        keys = []
        for raw in raw_keys:
            if isinstance(raw, str | int) and not isinstance(raw, bool):
                keys.append(self.parse_key(str(raw)))
            else:
                raise InvalidPayloadError('"keys" must contain primary key values')
        return keys

    # -- writing ---------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.collection.readonly:
            raise ForbiddenError()

    # -- permissions on writes ---------------------------------------------------------------

    def _write_rule(self, action: str) -> Rule | None:
        """The caller's rule for a write (None: unrestricted); 403 when it is not granted."""
        access = self.ctx.access
        if access is None or access.admin:
            return None
        rule = access.rule(self.collection.name, action)
        if rule is None:
            raise ForbiddenError.action(action, self.collection.name)
        return rule

    def _permitted_payload(
        self, rule: Rule | None, action: str, payload: Any, ignore: tuple[str, ...] = ()
    ) -> Any:
        """403 for fields outside the allow-list; then the presets under the payload (the
        payload wins), with `$CURRENT_USER`-style variables resolved."""
        if rule is None or not isinstance(payload, dict):
            return payload
        if rule.fields is not None:
            denied = [k for k in payload if k not in rule.fields and k not in ignore]
            if denied:
                raise ForbiddenError.payload_fields(action, self.collection.name, denied)
        if not rule.presets:
            return payload
        presets = {k: resolve_variable(v, self.ctx) for k, v in rule.presets.items()}
        return {**presets, **payload}

    def _validate_rule(self, rule: Rule | None, values: dict[str, Any], *, partial: bool) -> None:
        if rule is None or not rule.validation:
            return
        errors = validation.validate(
            self.ctx, self.collection, rule.validation, values, partial=partial
        )
        if errors:
            raise errors[0] if len(errors) == 1 else ErrorGroup(errors)

    def _check_targets(self, conn: Connection, keys: list[Key], action: str) -> None:
        """Every target row must exist and match the caller's filter for `action`; otherwise
        the whole write is refused with the plain 403 (nothing is revealed about which)."""
        if not self.ctx.restricted or not keys:
            return
        table = self.collection.table
        condition = row_condition(self.ctx, self.collection, table, action)
        statement = sa.select(sa.func.count()).select_from(table).where(self._key_filter(keys))
        if condition is not None:
            statement = statement.where(condition)
        if conn.execute(statement).scalar_one() != len(set(keys)):
            raise ForbiddenError()

    def _check_batch(self, count: int) -> None:
        if self.max_batch is not None and count > self.max_batch:
            raise InvalidPayloadError(f"Exceeded max batch mutation limit of {self.max_batch}")

    def _run(self, work: Any) -> Any:
        """Run `work(conn)` in one transaction; database errors become Directus errors, using
        the row being written (`self._current`) to name the field and value."""
        self._current: dict[str, Any] = {}
        try:
            return run_in_transaction(self.engine, work)  # retries deadlocks, then answers 503
        except exc.DBAPIError as error:
            translated = translate(error, self.collection.name, self._current)
            if translated is None:
                raise
            if (
                isinstance(translated, InvalidForeignKeyError)
                and translated.extensions["field"] is None
            ):
                translated = self._find_missing_parent() or translated
            raise translated from error

    def _find_missing_parent(self) -> InvalidForeignKeyError | None:
        """SQLite does not say which foreign key failed: look for the missing parent row."""
        with self.engine.connect() as conn:
            for relation in self.collection.relations:
                value = self._current.get(relation.field)
                if relation.kind != "m2o" or value is None:
                    continue
                target = self.ctx.registry[relation.related].table
                column = target.c[relation.related_field]
                found = conn.execute(sa.select(column).where(column == value).limit(1)).first()
                if found is None:
                    return InvalidForeignKeyError(self.collection.name, relation.field, value)
        return None

    def create_many(self, items: list[Any]) -> list[Key]:
        """Insert all or nothing; returns the new keys in input order."""
        self._check_writable()
        self._check_batch(len(items))
        rule = self._write_rule("create")
        rows = []
        for item in items:
            item = self.hooks.filter("before_create", item, self.hook_context)
            item = self._permitted_payload(rule, "create", item)
            row = payloads.validate(self.collection, item, creating=True)
            self._validate_rule(rule, row, partial=False)
            rows.append(row)

        def work(conn: Connection) -> list[Key]:
            return [self._insert(conn, row) for row in rows]

        keys = self._run(work)
        self.hooks.notify("after_create", keys, self.hook_context)
        return keys

    def _insert(self, conn: Connection, row: dict[str, Any]) -> Key:
        self._current = row
        table = self.collection.table
        result = conn.execute(sa.insert(table).values(**_bind(table, row)))
        inserted = result.inserted_primary_key or ()
        key = []
        for index, name in enumerate(self.collection.primary_key):
            value = row.get(name)
            if value is None and index < len(inserted):
                value = inserted[index]
            key.append(value)
        return tuple(key)

    def update_keys(self, keys: list[Key], data: Any) -> list[Key]:
        self._check_writable()
        self._check_batch(len(keys))
        data = self.hooks.filter("before_update", data, keys, self.hook_context)
        rule = self._write_rule("update")
        values = self._update_values(self._permitted_payload(rule, "update", data))
        self._validate_rule(rule, values, partial=True)

        def work(conn: Connection) -> list[Key]:
            self._current = values
            self._check_targets(conn, keys, "update")
            if values and keys:
                statement = sa.update(self.collection.table).where(self._key_filter(keys))
                conn.execute(statement.values(**_bind(self.collection.table, values)))
            return keys

        result = self._run(work)
        self.hooks.notify("after_update", result, self.hook_context)
        return result

    def _update_values(self, data: Any) -> dict[str, Any]:
        values = payloads.validate(self.collection, data, creating=False)
        for name in self.collection.primary_key:
            values.pop(name, None)  # a key inside the body is ignored, as in Directus
        return values

    def update_batch(self, items: Any) -> list[Key]:
        """`[{"id":1,…},{"id":2,…}]`: each item updated by its own key, in one transaction."""
        self._check_writable()
        self._check_batch(len(items))
        rule = self._write_rule("update")
        plan = []
        for item in items:
            key = self.key_from_item(item)
            if key is None:
                raise InvalidPayloadError("Item in update misses primary key")
            data = self.hooks.filter("before_update", dict(item), [key], self.hook_context)
            data = self._permitted_payload(rule, "update", data, ignore=self.collection.primary_key)
            values = self._update_values(data)
            self._validate_rule(rule, values, partial=True)
            plan.append((key, values))

        def work(conn: Connection) -> list[Key]:
            self._check_targets(conn, [key for key, _ in plan], "update")
            # rows are locked in key order, so two batches over the same rows cannot deadlock
            for key, values in sorted(plan, key=lambda entry: _sortable(entry[0])):
                self._current = values
                if values:
                    statement = sa.update(self.collection.table).where(self._key_filter([key]))
                    conn.execute(statement.values(**_bind(self.collection.table, values)))
            return [key for key, _ in plan]

        keys = self._run(work)
        self.hooks.notify("after_update", keys, self.hook_context)
        return keys

    def keys_by_query(self, query: Query) -> list[Key]:
        """Keys of the items `query` selects (all of them unless it sets a limit)."""
        self._check_writable()  # only writes ask for keys by query
        if query.limit is None:
            query.limit = -1
        page = page_for(query, self.limit_default, -1)
        joins = Joins(self.ctx, self.collection, self.collection.table)
        where = self._where(joins, query)
        columns = [self.collection.table.c[n] for n in self.collection.primary_key]
        statement = (
            sa.select(*columns)
            .select_from(joins.from_clause)
            .where(where)
            .order_by(*order_clauses(self.ctx, joins, query.sort, self.collection))
        )
        if page.limit is not None:
            statement = statement.limit(page.limit)
        if page.offset:
            statement = statement.offset(page.offset)
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(statement)]

    def delete_keys(self, keys: list[Key]) -> None:
        self._check_writable()
        self._check_batch(len(keys))
        self._write_rule("delete")
        self.hooks.notify("before_delete", keys, self.hook_context)

        def work(conn: Connection) -> None:
            self._check_targets(conn, keys, "delete")
            if keys:
                conn.execute(sa.delete(self.collection.table).where(self._key_filter(keys)))

        self._run(work)
        self.hooks.notify("after_delete", keys, self.hook_context)


def _sortable(key: Key) -> tuple[tuple[str, str], ...]:
    """A total order over keys of any types (None and mixed types included)."""
    return tuple((type(part).__name__, str(part)) for part in key)


def _bind(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """Column names may not be Python identifiers (`first name`); bind them by Column."""
    return {table.c[name].key: value for name, value in values.items()}
