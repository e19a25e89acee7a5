"""Derive Directus relational fields from foreign keys. The one place alias names are decided.

Every single-column foreign key to a collection's primary key is a many-to-one field (the FK column
itself, as in Directus). The referenced collection gets a one-to-many alias named after the
referencing collection. A junction table (two such keys and nothing else but keys and timestamps)
instead gives each side a many-to-many alias named after the other side, whose values are junction
rows exactly as in Directus (`fields=tags.tags_id.name`).

`alias_names` overrides any alias name: keys are `"<referencing table>.<fk column>"`, values
the name to use, or `""` to leave that alias out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dxgen.schema import Collection, ForeignKey, Relation

_TIMESTAMP_TYPES = {"date", "dateTime", "timestamp"}
# dxgen's own tables that a user table may reference, by the collection the runtime serves them
# as: `articles.cover -> dxgen_files.id` is a many-to-one to `directus_files`, as in Directus.
# They get no alias fields (their collections are the runtime's, not generated).
SYSTEM_TABLES = {"dxgen_files": "directus_files"}


@dataclass(frozen=True)
class _Link:
    """A usable many-to-one: `child.column` -> `parent` primary key."""

    child: str
    column: str
    parent: str
    parent_key: str


def _links(collections: Mapping[str, Collection], warnings: list[str]) -> list[_Link]:
    links: list[_Link] = []
    for child in sorted(collections.values(), key=lambda c: c.name):
        for fk in child.foreign_keys:
            link = _link_for(child, fk, collections, warnings)
            if link:
                links.append(link)
    return links


def _link_for(
    child: Collection, fk: ForeignKey, collections: Mapping[str, Collection], warnings: list[str]
) -> _Link | None:
    where = f"{child.name}({', '.join(fk.columns)})"
    system = SYSTEM_TABLES.get(fk.referred_table)
    if system is not None and len(fk.columns) == 1 and fk.referred_columns == ("id",):
        return _Link(child.name, fk.columns[0], system, "id")
    parent = collections.get(fk.referred_table)
    if parent is None:
        warnings.append(f"{where}: foreign key to {fk.referred_table!r}, which is not served")
        return None
    if len(fk.columns) != 1:
        warnings.append(f"{where}: composite foreign key is not exposed as a relation")
        return None
    if parent.primary_key != fk.referred_columns:
        warnings.append(f"{where}: foreign key to a non-primary-key column is not a relation")
        return None
    return _Link(child.name, fk.columns[0], parent.name, fk.referred_columns[0])


def _junction_sides(collection: Collection, links: list[_Link]) -> tuple[_Link, _Link] | None:
    """Two links and nothing else but keys and timestamps: a many-to-many junction."""
    own = [link for link in links if link.child == collection.name]
    if collection.kind != "table" or len(own) != 2:
        return None
    fk_columns = {link.column for link in own}
    for column in collection.columns:
        extra = column.name not in fk_columns and not column.primary_key
        if extra and column.type not in _TIMESTAMP_TYPES:
            return None
    return own[0], own[1]


def _strip_id(column: str) -> str:
    for suffix in ("_id", "Id", "_fk"):
        if column.endswith(suffix) and len(column) > len(suffix):
            return column[: -len(suffix)]
    return column


class _Namer:
    """Hands out alias names that collide with no column and no earlier alias of a collection."""

    def __init__(self, collections: Mapping[str, Collection]) -> None:
        self.taken = {name: {c.name for c in col.columns} for name, col in collections.items()}

    def take(self, collection: str, base: str) -> str:
        candidate, n = base, 2
        while candidate in self.taken[collection]:
            candidate, n = f"{base}_{n}", n + 1
        self.taken[collection].add(candidate)
        return candidate


def derive_relations(
    collections: Mapping[str, Collection], alias_names: Mapping[str, str] | None = None
) -> tuple[tuple[Relation, ...], tuple[str, ...]]:
    """All relational fields of the schema, sorted, and warnings about foreign keys left out."""
    overrides = dict(alias_names or {})
    warnings: list[str] = []
    links = _links(collections, warnings)
    relations = [
        Relation("m2o", link.child, link.column, link.parent, link.parent_key) for link in links
    ]
    namer = _Namer(collections)
    per_pair: dict[tuple[str, str], int] = {}
    for link in links:
        per_pair[(link.child, link.parent)] = per_pair.get((link.child, link.parent), 0) + 1
    junctions = {
        name: sides
        for name, collection in collections.items()
        if (sides := _junction_sides(collection, links))
    }
    for link in links:
        if link.parent not in collections:  # a system collection: no alias on its side
            continue
        key = f"{link.child}.{link.column}"
        sides = junctions.get(link.child)
        far = None
        if sides:
            far = sides[1] if sides[0] == link else sides[0]
            base = far.parent
            ambiguous = sides[0].parent == sides[1].parent
        else:
            base = link.child
            ambiguous = per_pair[(link.child, link.parent)] > 1 or link.child == link.parent
        if ambiguous:
            base = f"{link.child}_by_{_strip_id(link.column)}"
        name = overrides.get(key, base)
        if not name:
            continue
        alias = namer.take(link.parent, name)
        if far:
            relations.append(
                Relation("m2m", link.parent, alias, link.child, link.column, far.column, far.parent)
            )
        else:
            relations.append(Relation("o2m", link.parent, alias, link.child, link.column))
    relations.sort(key=lambda r: (r.collection, r.kind != "m2o", r.field))
    return tuple(relations), tuple(warnings)
