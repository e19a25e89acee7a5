"""Per-request facts the query compiler needs besides the query itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from dxgen.runtime.errors import ForbiddenError
from dxgen.runtime.model import Collection, ManyToOne, Registry
from dxgen.runtime.permissions import Access, Rule


@dataclass
class Context:
    """Who asks, when, and against which database dialect."""

    registry: Registry
    dialect: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    user: str | None = None
    role: str | None = None
    max_depth: int = 10
    default_limit: int = 100
    # the caller's permissions; None = unrestricted (admins, internal calls, permission filters)
    access: Access | None = None

    @property
    def restricted(self) -> bool:
        return self.access is not None and not self.access.admin

    def rule(
        self, collection: Collection, action: str = "read", path: tuple[str, ...] = ()
    ) -> Rule | None:
        """The caller's rule for `action` on `collection` (None: unrestricted); 403 when the
        action is not granted at all."""
        if self.access is None or self.access.admin:
            return None
        rule = self.access.rule(collection.name, action)
        if rule is None:
            raise ForbiddenError.collection(collection.name, path)
        return rule

    def check_field(self, collection: Collection, name: str, path: tuple[str, ...] = ()) -> None:
        """403 unless the caller may read `name` of `collection` (the field must exist too)."""
        rule = self.rule(collection, "read", path)
        if rule is not None and not rule.allows(name):
            raise ForbiddenError.field(name, collection.name, path)

    def may_read(self, collection: Collection, name: str | None = None) -> bool:
        """Whether the caller may read `collection` (and its field `name`), without raising."""
        if not self.restricted:
            return True
        assert self.access is not None
        rule = self.access.rule(collection.name, "read")
        return rule is not None and (name is None or rule.allows(name))


OnExtra = Callable[[Collection, sa.FromClause], sa.ColumnElement[bool]]


class Joins:
    """The LEFT JOINs of many-to-one paths hanging off one root table.

    Filters, sorts and field selection all ask for paths like `author_id.country_id`; asking twice
    for the same path gives the same alias, so a query never joins one relation twice.
    """

    def __init__(self, ctx: Context, collection: Collection, table: sa.FromClause) -> None:
        self.ctx = ctx
        self.root = table
        self.from_clause: sa.FromClause = table
        self._aliases: dict[tuple[str, ...], tuple[Collection, sa.FromClause]] = {
            (): (collection, table)
        }
        self._count = 0

    def resolve(self, path: tuple[str, ...]) -> tuple[Collection, sa.FromClause]:
        """The collection and table alias reached by following the m2o fields in `path`;
        filters and sorts share these joins."""
        if path not in self._aliases:
            parent, parent_table = self.resolve(path[:-1])
            self._aliases[path] = self.join(parent, parent_table, path[-1])
        return self._aliases[path]

    def join(
        self,
        parent: Collection,
        parent_table: sa.FromClause,
        field: str,
        on_extra: OnExtra | None = None,
    ) -> tuple[Collection, sa.FromClause]:
        """A new LEFT JOIN over the m2o `field`. `on_extra` adds a condition to the join itself:
        a `deep` filter on a many-to-one nulls the relation rather than dropping the parent."""
        relation = parent.relation_map[field]
        assert isinstance(relation, ManyToOne)
        target = self.ctx.registry[relation.related]
        self._count += 1
        alias = target.table.alias(f"j{self._count}")
        condition = alias.c[relation.related_field] == parent_table.c[relation.field]
        if on_extra is not None:
            condition = sa.and_(condition, on_extra(target, alias))
        if self.ctx.restricted:  # rows the caller may not read join as missing (null)
            from dxgen.runtime.query.filters import row_condition

            allowed = row_condition(self.ctx, target, alias)
            if allowed is not None:
                condition = sa.and_(condition, allowed)
        self.from_clause = self.from_clause.outerjoin(alias, condition)
        return target, alias
