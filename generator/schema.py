"""The schema model: what dxgen saw in the database, as frozen dataclasses of plain values.

It is the contract between introspection and everything after it. Being plain data (no SQLAlchemy
objects) it can be printed by `dxgen inspect --json`, stored in the generated app as the record of
what produced it, and compared between two runs to explain what changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

SCHEMA_FORMAT = 1


@dataclass(frozen=True)
class Column:
    """One column, already mapped to its Directus type."""

    name: str
    type: str  # Directus type: integer, bigInteger, string, text, decimal, ...
    sql_type: str  # the database's own spelling, for humans and diffs
    nullable: bool = True
    primary_key: bool = False
    autoincrement: bool = False
    has_default: bool = False
    default: str | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unique: bool = False
    comment: str | None = None
    enum_values: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    readonly: bool = False  # generated/computed or a type we can read but not write


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key of a table: columns here referencing columns there."""

    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    name: str | None = None
    on_delete: str | None = None


@dataclass(frozen=True)
class Relation:
    """A Directus relational field.

    kind:
      m2o: `field` is the FK column of `collection`, pointing at `related` (its PK).
      o2m: `field` is an alias on `collection`; children are rows of `related` whose `related_field`
           (their FK column) equals this row's PK.
      m2m: like o2m towards the junction collection `related` (rows of the junction are the values,
           as in Directus); `junction_field` is the junction's FK to the far side `far_collection`.
    """

    kind: str
    collection: str
    field: str
    related: str
    related_field: str
    junction_field: str | None = None
    far_collection: str | None = None


@dataclass(frozen=True)
class Collection:
    """A table or view served as a Directus collection."""

    name: str
    kind: str  # "table" | "view"
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    comment: str | None = None
    schema: str | None = None

    @property
    def readonly(self) -> bool:
        return self.kind == "view" or not self.primary_key

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class Schema:
    """Everything dxgen knows about one database, sorted so equal databases give equal models."""

    dialect: str
    collections: tuple[Collection, ...]
    relations: tuple[Relation, ...] = ()
    warnings: tuple[str, ...] = ()
    schema: str | None = None
    format: int = SCHEMA_FORMAT

    def collection(self, name: str) -> Collection:
        for collection in self.collections:
            if collection.name == name:
                return collection
        raise KeyError(name)

    def relations_of(self, collection: str) -> tuple[Relation, ...]:
        return tuple(r for r in self.relations if r.collection == collection)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        return _build(cls, data)

    @classmethod
    def from_json(cls, text: str) -> Schema:
        return cls.from_dict(json.loads(text))


_NESTED: dict[tuple[type, str], type] = {
    (Schema, "collections"): Collection,
    (Schema, "relations"): Relation,
    (Collection, "columns"): Column,
    (Collection, "foreign_keys"): ForeignKey,
}


def _build(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a dataclass tree from `asdict` output, turning lists back into tuples."""
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        nested = _NESTED.get((cls, f.name))
        if nested is not None:
            value = tuple(_build(nested, item) for item in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def schema_fields_equal(a: Schema, b: Schema) -> bool:
    """Equality that ignores warnings (their wording may change between releases)."""
    return (a.collections, a.relations) == (b.collections, b.relations)


__all__ = [
    "SCHEMA_FORMAT",
    "Collection",
    "Column",
    "ForeignKey",
    "Relation",
    "Schema",
    "schema_fields_equal",
]
