"""Collection metadata as generated modules declare it, and the registry that ties them together.

Generated code builds these once at import; every request reads them and nothing here changes
afterwards, so they are frozen and cheap to share between threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa


@dataclass(frozen=True)
class Field:
    """A column served as a Directus field."""

    name: str
    type: str
    operators: tuple[str, ...]
    nullable: bool = True
    primary_key: bool = False
    has_default: bool = False
    auto: bool = False  # the database assigns it (autoincrement / identity)
    unique: bool = False
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[str, ...] = ()
    readonly: bool = False

    @property
    def required(self) -> bool:
        """A create must submit it: not nullable, and nothing else fills it in."""
        return not self.nullable and not self.has_default and not self.auto


@dataclass(frozen=True)
class ManyToOne:
    """`field` (a column of this collection) points at `related`'s primary key."""

    field: str
    related: str
    related_field: str
    kind: str = "m2o"


@dataclass(frozen=True)
class OneToMany:
    """Alias `field`: rows of `related` whose `related_field` holds this row's key."""

    field: str
    related: str
    related_field: str
    kind: str = "o2m"


@dataclass(frozen=True)
class ManyToMany:
    """Alias `field`: rows of the junction `related` (via its `related_field`); the junction's
    `junction_field` points at `far_collection`. Values are junction rows, as in Directus."""

    field: str
    related: str
    related_field: str
    junction_field: str
    far_collection: str
    kind: str = "m2m"


Relation = ManyToOne | OneToMany | ManyToMany


@dataclass(frozen=True)
class Collection:
    """One table or view: its SQLAlchemy table, fields and relational fields."""

    name: str
    table: sa.Table
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    readonly: bool = False
    note: str | None = None
    limit_default: int | None = None  # per-collection QUERY_LIMIT_DEFAULT (dxgen.toml)
    limit_max: int | None = None  # per-collection QUERY_LIMIT_MAX (dxgen.toml)
    _index: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({f.name: f for f in self.fields})

    def get(self, name: str) -> Field | None:
        return self._index.get(name)

    @cached_property
    def relation_map(self) -> dict[str, Relation]:
        return {r.field: r for r in self.relations}

    @cached_property
    def aliases(self) -> tuple[str, ...]:
        """o2m and m2m alias fields (no column of their own)."""
        return tuple(r.field for r in self.relations if r.kind != "m2o")

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        """Everything `*` stands for: columns in table order, then alias fields."""
        return tuple(f.name for f in self.fields) + self.aliases

    @property
    def single_key(self) -> str | None:
        return self.primary_key[0] if len(self.primary_key) == 1 else None

    def column(self, name: str, table: sa.FromClause | None = None) -> sa.ColumnElement:
        return (self.table if table is None else table).c[name]

    def column_name(self, name: str) -> str:
        """The database column behind field `name`. Field names are the API's: a column renamed
        in dxgen.toml is declared with the API name as its key (`sa.Column("col", key="api")`),
        so `table.c[name]` and the statements built from it need no translation."""
        return self.table.c[name].name


class Registry(Mapping[str, Collection]):
    """All collections of an app by name; relations name their targets, this resolves them."""

    def __init__(self, collections: Iterable[Collection]) -> None:
        self._collections = {c.name: c for c in collections}

    def __getitem__(self, name: str) -> Collection:
        return self._collections[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._collections)

    def __len__(self) -> int:
        return len(self._collections)
