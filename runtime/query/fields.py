"""Resolve `fields` (and `deep`) into a tree of what to read from each collection.

`*` expands to the collection's fields, `*.*` to every field with relations expanded one more
level (relational fields first, as Directus orders them), and dotted paths walk relations. Names
are checked here: an unknown field is Directus's 403, wherever in the tree it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection, Relation
from dxgen.runtime.query.context import Context
from dxgen.runtime.query.functions import output_key, resolve_call, split_call


@dataclass
class Item:
    """One key of the output object.

    kind: "column" (a plain value or a raw foreign key), "function" (`year(date)`, `count(o2m)`),
    "m2o" (a nested object, joined), "o2m" (a list of nested objects or of keys, batched).
    """

    key: str
    kind: str
    field: str
    function: str | None = None
    relation: Relation | None = None
    child: Node | None = None
    keys_only: bool = False  # an o2m under `*` without sub-fields: a list of child keys


@dataclass
class Node:
    """What to read from one collection at one place in the tree, and the `deep` options there."""

    collection: Collection
    items: list[Item] = field(default_factory=list)
    deep: dict[str, Any] = field(default_factory=dict)
    path: tuple[str, ...] = ()


def build_tree(
    ctx: Context,
    collection: Collection,
    fields: list[str] | None,
    deep: dict[str, Any] | None = None,
    backlink: bool = True,
    alias: dict[str, str] | None = None,
) -> Node:
    """The read tree for `fields` (default `*`) on `collection`. `alias` names root fields
    under another key (`alias[all_tags]=tags`), so one relation can be read twice with
    different `deep` options."""
    for path in fields or ():
        if path.count(".") + 1 > ctx.max_depth:
            raise InvalidQueryError("Max relational depth exceeded")
    builder = _Builder(ctx, backlink, alias or {})
    return builder.node(collection, fields or ["*"], deep or {}, (), None)


class _Builder:
    def __init__(self, ctx: Context, backlink: bool, alias: dict[str, str]) -> None:
        self.ctx = ctx
        self.backlink = backlink
        self.alias = alias

    def node(
        self,
        collection: Collection,
        paths: list[str],
        deep: dict[str, Any],
        path: tuple[str, ...],
        via: Relation | None,
    ) -> Node:
        self.ctx.rule(collection, "read", path)  # 403 unless the caller may read it at all
        node = Node(
            collection, deep={k: v for k, v in deep.items() if k.startswith("_")}, path=path
        )
        for key, rest in self._group(collection, paths, via).items():
            source = self.alias.get(key, key) if not path else key
            node.items.append(self.item(collection, key, rest, deep.get(key) or {}, path, source))
        return node

    def _group(
        self, collection: Collection, paths: list[str], via: Relation | None
    ) -> dict[str, list[str] | None]:
        """First segment -> the rest of each path under it (None: the field itself)."""
        grouped: dict[str, list[str] | None] = {}
        for text in paths:
            head, _, rest = text.partition(".")
            if split_call(text):
                head, rest = text, ""
            names = self._wildcard(collection, rest, via) if head == "*" else [head]
            for name in names:
                if rest and (head != "*" or name in collection.relation_map):
                    current = grouped.get(name) or []
                    grouped[name] = [*current, rest]
                else:
                    grouped.setdefault(name, None)
        return grouped

    def _wildcard(self, collection: Collection, rest: str, via: Relation | None) -> list[str]:
        """The fields `*` stands for: those the caller may read, and relations only into
        collections the caller may read (a wildcard never turns into a 403)."""
        visible = [name for name in collection.field_names if self._visible(collection, name)]
        if not rest:
            return visible
        skip = self._backlink_of(collection, via)
        relational = [
            r.field for r in collection.relations if r.field != skip and r.field in visible
        ]
        plain = [name for name in visible if name not in collection.relation_map]
        return relational + plain

    def _visible(self, collection: Collection, name: str) -> bool:
        if not self.ctx.may_read(collection, name):
            return False
        relation = collection.relation_map.get(name)
        if relation is None or relation.kind == "m2o":
            return True
        return self.ctx.may_read(self.ctx.registry[relation.related])

    def _backlink_of(self, collection: Collection, via: Relation | None) -> str | None:
        """The field of `collection` leading back over `via`, dropped when `backlink=false`."""
        if self.backlink or via is None:
            return None
        if via.kind == "m2o":
            for relation in collection.relations:
                if relation.kind != "m2o" and relation.related_field == via.field:
                    return relation.field
            return None
        return via.related_field

    def item(
        self,
        collection: Collection,
        key: str,
        rest: list[str] | None,
        deep: dict[str, Any],
        path: tuple[str, ...],
        source: str | None = None,
    ) -> Item:
        """The output `key` reading field `source` (the same unless aliased)."""
        name = source or key
        call = split_call(name)
        if call:
            self.ctx.check_field(collection, call[1], path)
            return self._function(collection, name, call, path)
        self.ctx.check_field(collection, name, path)
        relation = collection.relation_map.get(name)
        if relation is None:
            if collection.get(name) is None:
                raise ForbiddenError.field(name, collection.name, path)
            if rest is not None:  # a plain field has nothing to walk into
                raise ForbiddenError.field(rest[0].split(".")[0], name, (*path, name))
            return Item(key, "column", name)
        if relation.kind == "m2o" and rest is None:
            return Item(key, "column", name, relation=relation)
        target = self.ctx.registry[relation.related]
        if rest is not None:
            child = self.node(target, rest, deep, (*path, key), relation)
            kind = "m2o" if relation.kind == "m2o" else "o2m"
            return Item(key, kind, name, relation=relation, child=child)
        keys = self.node(target, list(target.primary_key), deep, (*path, key), relation)
        return Item(key, "o2m", name, relation=relation, child=keys, keys_only=True)

    def _function(
        self, collection: Collection, key: str, call: tuple[str, str], path: tuple[str, ...]
    ) -> Item:
        name, argument = call
        resolve_call(collection, call, path)
        return Item(output_key(name, argument), "function", argument, function=name)
