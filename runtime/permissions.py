"""Roles' permissions as rules the query compiler enforces, loaded once per role and cached.

A permission row grants one action on one collection to a role (NULL role: the public role, i.e.
anonymous callers) with a field allow-list, a row filter, a validation filter and presets.
Several rows for the same role, collection and action are OR-merged: the union of fields, any
of the row filters. Admin roles bypass all of it. Nothing is granted by default.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dxgen.runtime import system
from dxgen.runtime.accountability import Accountability

ACTIONS = ("create", "read", "update", "delete", "share")
# How long a worker may serve a role's permissions before reading them again. Writes through
# this worker invalidate at once; other workers see a change within this many seconds.
CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class Rule:
    """What one role may do with one collection for one action."""

    fields: frozenset[str] | None = None  # None: every field ("*")
    filter: dict[str, Any] | None = None  # None: every row
    validation: dict[str, Any] | None = None
    presets: dict[str, Any] = field(default_factory=dict)

    def allows(self, name: str) -> bool:
        return self.fields is None or name in self.fields

    def merge(self, other: Rule) -> Rule:
        fields = None if self.fields is None or other.fields is None else self.fields | other.fields
        row_filter = _any_of(self.filter, other.filter)
        validation = _any_of(self.validation, other.validation)
        return Rule(fields, row_filter, validation, {**other.presets, **self.presets})


def _any_of(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    if a is None or b is None:
        return None
    return {"_or": [a, b]}


EVERYTHING = Rule()


@dataclass(frozen=True)
class Access:
    """The merged rules of one caller."""

    admin: bool = False
    app: bool = False
    rules: Mapping[tuple[str, str], Rule] = field(default_factory=dict)

    def rule(self, collection: str, action: str) -> Rule | None:
        """The caller's rule, or None when the action is not granted at all."""
        if self.admin:
            return EVERYTHING
        return self.rules.get((collection, action))

    def collections(self, action: str = "read") -> set[str]:
        return {c for (c, a) in self.rules if a == action}


ADMIN_ACCESS = Access(admin=True, app=True)


def parse_fields(raw: Any) -> frozenset[str] | None:
    """`*` / None -> every field; `"a,b"` or `["a","b"]` -> those fields."""
    if raw is None:
        return None
    names = raw if isinstance(raw, list) else str(raw).split(",")
    names = [str(name).strip() for name in names if str(name).strip()]
    return None if "*" in names else frozenset(names)


def rules_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Rule]:
    rules: dict[tuple[str, str], Rule] = {}
    for row in rows:
        rule = Rule(
            parse_fields(row["fields"]),
            row["permissions"] or None,
            row["validation"] or None,
            dict(row["presets"] or {}),
        )
        key = (row["collection"], row["action"])
        rules[key] = rules[key].merge(rule) if key in rules else rule
    return rules


class PermissionCache:
    """Rules by role, per worker, refreshed every CACHE_SECONDS."""

    def __init__(self) -> None:
        # by (engine, role): apps embedded in one process keep their databases' rules apart
        self._entries: dict[tuple[Engine, str | None], tuple[float, dict[tuple[str, str], Rule]]]
        self._entries = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def rules(self, engine: Engine, role: str | None) -> dict[tuple[str, str], Rule]:
        now = time.monotonic()
        entry = self._entries.get((engine, role))
        if entry is not None and entry[0] > now:
            return entry[1]
        table = system.permissions
        condition = table.c.role.is_(None) if role is None else table.c.role == role
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table).where(condition).order_by(table.c.id))
            rules = rules_from_rows(row._mapping for row in rows)
        with self._lock:
            self._entries[(engine, role)] = (now + CACHE_SECONDS, rules)
        return rules

    def access(self, engine: Engine, who: Accountability) -> Access:
        """Admins bypass; anonymous callers get the public role; a user without a role gets
        nothing (the public role's grants are for anonymous callers only)."""
        if who.admin:
            return ADMIN_ACCESS
        if who.authenticated and who.role is None:
            return Access(admin=False, app=who.app)
        return Access(admin=False, app=who.app, rules=self.rules(engine, who.role))


CACHE = PermissionCache()


def caller_may_read(collection: str) -> bool:
    """Whether the current request's caller may read `collection` at all: what `/collections`,
    `/fields`, `/relations` and the OpenAPI document show."""
    from flask import current_app

    from dxgen.runtime.accountability import current

    engine = current_app.extensions["dxgen"].engine
    return CACHE.access(engine, current()).rule(collection, "read") is not None
