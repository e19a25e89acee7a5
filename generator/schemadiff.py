"""What changed in the database since the last generation, in words a reviewer can read.

Compares two schema models (the manifest's snapshot and a new introspection): collections,
fields and their properties (type, nullability, keys, defaults, sizes), foreign keys and
relational fields, each added, removed or changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields as dataclass_fields
from typing import TypeVar

from dxgen.schema import Collection, Column, ForeignKey, Relation, Schema

_COLUMN_PROPERTIES = tuple(f.name for f in dataclass_fields(Column) if f.name != "name")
K = TypeVar("K")
V = TypeVar("V")


def _pairs(before: Mapping[K, V], after: Mapping[K, V]) -> Iterator[tuple[K, V | None, V | None]]:
    """Every key of either side, sorted, with its value before and after (None when absent)."""
    for key in sorted(before.keys() | after.keys()):  # type: ignore[type-var]
        yield key, before.get(key), after.get(key)


def diff(old: Schema, new: Schema) -> list[str]:
    """One line per change, sorted by collection; empty when nothing changed."""
    before = {c.name: c for c in old.collections}
    after = {c.name: c for c in new.collections}
    lines: list[str] = []
    for name, was, now in _pairs(before, after):
        if now is None:
            lines.append(f"- collection {name} removed")
        elif was is None:
            lines.append(f"+ collection {name} added ({_collection_summary(now)})")
        else:
            lines.extend(_collection_diff(was, now))
    lines.extend(_relations_diff(old.relations, new.relations))
    return lines


def _collection_summary(collection: Collection) -> str:
    key = ", ".join(collection.primary_key) or "none"
    return f"{collection.kind}, {len(collection.columns)} fields, key: {key}"


def _collection_diff(old: Collection, new: Collection) -> list[str]:
    name = new.name
    lines: list[str] = []
    if old.kind != new.kind:
        lines.append(f"~ collection {name}: kind {old.kind} -> {new.kind}")
    if old.primary_key != new.primary_key:
        lines.append(
            f"~ collection {name}: primary key ({', '.join(old.primary_key)}) -> "
            f"({', '.join(new.primary_key)})"
        )
    before = {c.name: c for c in old.columns}
    after = {c.name: c for c in new.columns}
    for field, was, now in _pairs(before, after):
        if now is None:
            lines.append(f"- field {name}.{field} removed")
        elif was is None:
            lines.append(f"+ field {name}.{field} added ({_column_summary(now)})")
        else:
            changes = _column_changes(was, now)
            if changes:
                lines.append(f"~ field {name}.{field}: {'; '.join(changes)}")
    lines.extend(_foreign_keys_diff(name, old.foreign_keys, new.foreign_keys))
    return lines


def _column_summary(column: Column) -> str:
    nullable = "nullable" if column.nullable else "not null"
    return f"{column.type} {column.sql_type}, {nullable}"


def _column_changes(old: Column, new: Column) -> list[str]:
    return [
        f"{prop} {getattr(old, prop)!r} -> {getattr(new, prop)!r}"
        for prop in _COLUMN_PROPERTIES
        if getattr(old, prop) != getattr(new, prop)
    ]


def _foreign_key_text(fk: ForeignKey) -> str:
    target = f"{fk.referred_table}({', '.join(fk.referred_columns)})"
    on_delete = f" on delete {fk.on_delete}" if fk.on_delete else ""
    return f"({', '.join(fk.columns)}) -> {target}{on_delete}"


def _foreign_keys_diff(
    name: str, old: tuple[ForeignKey, ...], new: tuple[ForeignKey, ...]
) -> list[str]:
    before = {_foreign_key_text(fk) for fk in old}
    after = {_foreign_key_text(fk) for fk in new}
    return [f"- foreign key {name}{text} removed" for text in sorted(before - after)] + [
        f"+ foreign key {name}{text} added" for text in sorted(after - before)
    ]


def _relation_text(relation: Relation) -> str:
    text = f"{relation.kind} -> {relation.related}.{relation.related_field}"
    if relation.kind == "m2m":
        text += f" -> {relation.far_collection} (via {relation.junction_field})"
    return text


def _relations_diff(old: tuple[Relation, ...], new: tuple[Relation, ...]) -> list[str]:
    before = {(r.collection, r.field): _relation_text(r) for r in old}
    after = {(r.collection, r.field): _relation_text(r) for r in new}
    lines: list[str] = []
    for (collection, field), was, now in _pairs(before, after):
        where = f"relation {collection}.{field}"
        if now is None:
            lines.append(f"- {where} removed ({was})")
        elif was is None:
            lines.append(f"+ {where} added ({now})")
        elif was != now:
            lines.append(f"~ {where}: {was} -> {now}")
    return lines
