"""`dxgen.toml` (or `[tool.dxgen]` in the app's pyproject.toml): customisation every regeneration
honours, so the common changes never need an edit in a generated file, nor a merge.

    [collections.posts]              # keyed by the table's name in the database
    name = "articles"                # served as /items/articles
    read_only = true                 # writes answer 403 FORBIDDEN
    hidden_fields = ["password"]     # columns not served at all
    limit_default = 20               # `limit` when the request gives none
    limit_max = 100                  # the largest `limit` a request may ask for

    [collections.posts.fields]       # API names of columns: column = "api name"
    title = "headline"

    [collections.audit_log]
    hidden = true                    # the table is not served

Hiding works on the schema model (a hidden table or column disappears before planning, with
every relation through it); names, read-only and limits are applied by the plan.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dxgen.schema import Collection, Relation, Schema

CONFIG_FILE = "dxgen.toml"
PYPROJECT_FILE = "pyproject.toml"
_KEYS = {"name", "hidden", "read_only", "hidden_fields", "fields", "limit_default", "limit_max"}


class CustomizeError(Exception):
    """dxgen.toml asks for something impossible or is malformed; nothing is generated."""


@dataclass(frozen=True)
class CollectionCustom:
    """What dxgen.toml says about one table."""

    name: str | None = None
    hidden: bool = False
    read_only: bool = False
    hidden_fields: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)  # column -> API field name
    limit_default: int | None = None
    limit_max: int | None = None


@dataclass(frozen=True)
class Customization:
    """All of dxgen.toml, keyed by table name. The empty one changes nothing."""

    collections: dict[str, CollectionCustom] = field(default_factory=dict)

    def of(self, table: str) -> CollectionCustom:
        return self.collections.get(table, _NOTHING)

    def collection_name(self, table: str) -> str:
        return self.of(table).name or table

    def field_name(self, table: str, column: str) -> str:
        return self.of(table).fields.get(column, column)

    def apply(self, schema: Schema) -> Served:
        """The schema as the app serves it: hidden parts removed, public names everywhere."""
        visible = self.hide(schema)
        self._check_names(visible)
        tables = {self.collection_name(c.name): c.name for c in visible.collections}
        columns = {
            (self.collection_name(c.name), self.field_name(c.name, col.name)): col.name
            for c in visible.collections
            for col in c.columns
        }
        renamed = replace(
            visible,
            collections=tuple(self._renamed(c) for c in visible.collections),
            relations=tuple(self._renamed_relation(r) for r in visible.relations),
        )
        return Served(renamed, tables, columns, self)

    def hide(self, schema: Schema) -> Schema:
        """`schema` without hidden tables and columns, nor relations and keys through them."""
        if not self.collections:
            return schema
        collections = tuple(
            self._without_hidden_fields(c) for c in schema.collections if not self.of(c.name).hidden
        )
        served = {c.name: {col.name for col in c.columns} for c in collections}
        relations = tuple(r for r in schema.relations if _relation_served(r, served))
        return replace(schema, collections=collections, relations=relations)

    def warnings(self, schema: Schema) -> list[str]:
        """Entries that match nothing in the database (a typo, or a table since dropped)."""
        tables = {c.name: c for c in schema.collections}
        out = []
        for table, custom in sorted(self.collections.items()):
            if table not in tables:
                out.append(f"{CONFIG_FILE}: no table {table!r} in the database")
                continue
            columns = {c.name for c in tables[table].columns}
            unknown = sorted((set(custom.hidden_fields) | set(custom.fields)) - columns)
            out.extend(f"{CONFIG_FILE}: no column {table}.{name}" for name in unknown)
        return out

    def _check_names(self, schema: Schema) -> None:
        _refuse_duplicates(
            "collection name", [self.collection_name(c.name) for c in schema.collections]
        )
        for c in schema.collections:
            names = [col.name for col in c.columns]
            names += [r.field for r in schema.relations_of(c.name) if r.kind != "m2o"]
            _refuse_duplicates(
                f"field name in {c.name}", [self.field_name(c.name, n) for n in names]
            )

    def _renamed(self, collection: Collection) -> Collection:
        table = collection.name
        return replace(
            collection,
            name=self.collection_name(table),
            columns=tuple(
                replace(c, name=self.field_name(table, c.name)) for c in collection.columns
            ),
            primary_key=tuple(self.field_name(table, k) for k in collection.primary_key),
        )

    def _renamed_relation(self, relation: Relation) -> Relation:
        far = relation.far_collection
        return replace(
            relation,
            collection=self.collection_name(relation.collection),
            field=self.field_name(relation.collection, relation.field),
            related=self.collection_name(relation.related),
            related_field=self.field_name(relation.related, relation.related_field),
            junction_field=(
                self.field_name(relation.related, relation.junction_field)
                if relation.junction_field is not None
                else None
            ),
            far_collection=self.collection_name(far) if far is not None else None,
        )

    def _without_hidden_fields(self, collection: Collection) -> Collection:
        hidden = set(self.of(collection.name).hidden_fields)
        if not hidden:
            return collection
        if hidden & set(collection.primary_key):
            raise CustomizeError(
                f"{CONFIG_FILE}: {collection.name}: a primary key column cannot be hidden"
            )
        return replace(
            collection,
            columns=tuple(c for c in collection.columns if c.name not in hidden),
            foreign_keys=tuple(
                fk for fk in collection.foreign_keys if not hidden & set(fk.columns)
            ),
        )


_NOTHING = CollectionCustom()


@dataclass(frozen=True)
class Served:
    """The customised schema (public names) and the way back to the database's names."""

    schema: Schema
    tables: dict[str, str]  # collection name -> table
    columns: dict[tuple[str, str], str]  # (collection, field) -> column
    custom: Customization

    def table(self, collection: str) -> str:
        return self.tables[collection]

    def column(self, collection: str, field_name: str) -> str:
        return self.columns[collection, field_name]

    def of(self, collection: str) -> CollectionCustom:
        return self.custom.of(self.tables[collection])


def _relation_served(relation: Relation, served: dict[str, set[str]]) -> bool:
    """Whether every collection and column a relation goes through is still served."""
    ends = [(relation.collection, None), (relation.related, relation.related_field)]
    if relation.kind == "m2o":
        ends.append((relation.collection, relation.field))
    if relation.kind == "m2m":
        ends.append((relation.related, relation.junction_field))
        ends.append((relation.far_collection, None))
    return all(
        table in served and (column is None or column in served[table]) for table, column in ends
    )


def load(out: Path) -> Customization:
    """The customisation of the app in `out`: dxgen.toml, else `[tool.dxgen]` of pyproject.toml,
    else none."""
    config = out / CONFIG_FILE
    if config.is_file():
        return parse(_read_toml(config), CONFIG_FILE)
    pyproject = out / PYPROJECT_FILE
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("dxgen")
        if table is not None:
            return parse(table, f"{PYPROJECT_FILE} [tool.dxgen]")
    return Customization()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CustomizeError(f"{path.name}: {error}") from None


def parse(data: dict[str, Any], source: str = CONFIG_FILE) -> Customization:
    """Validate the TOML document; every mistake is reported with where it is."""
    unknown = sorted(set(data) - {"collections"})
    if unknown:
        raise CustomizeError(f"{source}: unknown key {unknown[0]!r} (expected [collections.*])")
    collections = data.get("collections", {})
    if not isinstance(collections, dict):
        raise CustomizeError(f"{source}: collections must be a table")
    parsed = {
        table: _collection(entry, f"{source}: [collections.{table}]")
        for table, entry in sorted(collections.items())
    }
    return Customization(parsed)


def _collection(entry: Any, where: str) -> CollectionCustom:
    if not isinstance(entry, dict):
        raise CustomizeError(f"{where} must be a table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise CustomizeError(f"{where}: unknown key {unknown[0]!r}; known: {sorted(_KEYS)}")
    fields = entry.get("fields", {})
    if not isinstance(fields, dict) or not all(_is_name(v) for v in fields.values()):
        raise CustomizeError(f"{where}: fields must map column names to non-empty strings")
    hidden_fields = entry.get("hidden_fields", [])
    if not isinstance(hidden_fields, list) or not all(_is_name(v) for v in hidden_fields):
        raise CustomizeError(f"{where}: hidden_fields must be a list of column names")
    name = entry.get("name")
    if name is not None and not _is_name(name):
        raise CustomizeError(f"{where}: name must be a non-empty string without '/'")
    limit_default = _limit(entry, "limit_default", where, minimum=1)
    limit_max = _limit(entry, "limit_max", where, minimum=-1)
    if limit_default and limit_max and limit_max != -1 and limit_default > limit_max:
        raise CustomizeError(f"{where}: limit_default is larger than limit_max")
    return CollectionCustom(
        name=name,
        hidden=_flag(entry, "hidden", where),
        read_only=_flag(entry, "read_only", where),
        hidden_fields=tuple(sorted(hidden_fields)),
        fields=dict(sorted(fields.items())),
        limit_default=limit_default,
        limit_max=limit_max,
    )


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "/" not in value


def _flag(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise CustomizeError(f"{where}: {key} must be true or false")
    return value


def _limit(entry: dict[str, Any], key: str, where: str, minimum: int) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value == 0:
        raise CustomizeError(f"{where}: {key} must be a positive integer (or -1 for no limit)")
    return value


def _refuse_duplicates(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CustomizeError(f"{CONFIG_FILE}: two names become the {what} {name!r}")
        seen.add(name)
