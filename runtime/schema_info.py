"""Read-only `/collections`, `/fields` and `/relations`, from the generated metadata.

The database schema is the source of truth and `dxgen generate` its only writer, so these endpoints
describe the registry the app was generated with (no reflection per request) in Directus's shapes
(contract §6), and every write answers 403 FORBIDDEN. Which collections a caller may see is a
`readable(collection) -> bool` predicate, so permissions can narrow the answer without this module
knowing about them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response

from dxgen.runtime.errors import ForbiddenError
from dxgen.runtime.model import Collection, Field, ManyToMany, ManyToOne, Registry
from dxgen.runtime.web import json_response, runtime

Readable = Callable[[str], bool]
WRITE_METHODS = ("POST", "PATCH", "DELETE")
# Directus's specials for the casts its Studio adds, and for relational fields.
SPECIALS = {"json": ["cast-json"], "boolean": ["cast-boolean"], "csv": ["cast-csv"]}
ALIAS_SPECIALS = {"o2m": ["o2m"], "m2m": ["m2m"]}


def everything(collection: str) -> bool:
    """The default predicate: every collection is visible."""
    return True


# -- the shapes, as pure functions of the registry ------------------------------------------------


def collection_info(collection: Collection, schema_name: str | None) -> dict[str, Any]:
    return {
        "collection": collection.name,
        "meta": {
            "collection": collection.name,
            "icon": None,
            "note": collection.note,
            "display_template": None,
            "hidden": False,
            "singleton": False,
            "translations": None,
            "archive_field": None,
            "archive_app_filter": True,
            "archive_value": None,
            "unarchive_value": None,
            "sort_field": None,
            "accountability": "all",
            "color": None,
            "item_duplication_fields": None,
            "sort": None,
            "group": None,
            "collapse": "open",
            "preview_url": None,
            "versioning": False,
            "status": "active",
            "autosave_revision_interval": None,
        },
        "schema": {"schema": schema_name, "name": collection.table.name, "comment": None},
    }


def field_infos(collection: Collection, dialect: sa.Dialect) -> list[dict[str, Any]]:
    """Columns in table order, then alias fields; `meta.sort` is that position."""
    m2o = {r.field: r for r in collection.relations if isinstance(r, ManyToOne)}
    infos = [
        _column_info(collection, f, m2o.get(f.name), dialect, sort)
        for sort, f in enumerate(collection.fields, start=1)
    ]
    offset = len(infos) + 1
    for sort, relation in enumerate(
        (r for r in collection.relations if r.kind != "m2o"), start=offset
    ):
        meta = _field_meta(collection.name, relation.field, sort, ALIAS_SPECIALS[relation.kind])
        infos.append(
            {
                "collection": collection.name,
                "field": relation.field,
                "type": "alias",
                "schema": None,
            }
            | {"meta": meta}
        )
    return infos


def _column_info(
    collection: Collection,
    field: Field,
    m2o: ManyToOne | None,
    dialect: sa.Dialect,
    sort: int,
) -> dict[str, Any]:
    column = collection.table.c[field.name]  # keyed by the API name (dxgen.toml renames)
    special = ["m2o"] if m2o else SPECIALS.get(field.type)
    meta = _field_meta(collection.name, field.name, sort, special)
    meta.update(readonly=field.readonly or collection.readonly, required=field.required)
    return {
        "collection": collection.name,
        "field": field.name,
        "type": field.type,
        "schema": {
            "name": collection.column_name(field.name),
            "table": collection.table.name,
            "data_type": data_type(column, dialect),
            "default_value": None,
            "generation_expression": None,
            "max_length": field.max_length,
            "numeric_precision": field.precision,
            "numeric_scale": field.scale,
            "is_generated": False,
            "is_nullable": field.nullable,
            "is_unique": field.unique or field.primary_key,
            "is_indexed": field.unique or field.primary_key,
            "is_primary_key": field.primary_key,
            "has_auto_increment": field.auto,
            "foreign_key_schema": collection.table.schema if m2o else None,
            "foreign_key_table": m2o.related if m2o else None,
            "foreign_key_column": m2o.related_field if m2o else None,
            "comment": None,
        },
        "meta": meta,
    }


def _field_meta(
    collection: str, field: str, sort: int, special: list[str] | None
) -> dict[str, Any]:
    return {
        "id": None,
        "collection": collection,
        "field": field,
        "special": special,
        "interface": None,
        "options": None,
        "display": None,
        "display_options": None,
        "readonly": False,
        "hidden": False,
        "sort": sort,
        "width": "full",
        "translations": None,
        "note": None,
        "conditions": None,
        "required": False,
        "group": None,
        "validation": None,
        "validation_message": None,
        "searchable": True,
    }


def data_type(column: sa.Column, dialect: sa.Dialect) -> str:
    """The column's SQL type as the generated table declares it, without length or precision
    (those have their own keys), e.g. `varchar`, `numeric`, `timestamp with time zone`."""
    try:
        compiled = column.type.compile(dialect=dialect)
    except sa.exc.CompileError:  # a type whose storage the dialect leaves untyped (SQLite)
        compiled = type(column.type).__name__
    return compiled.split("(")[0].strip().lower()


def relation_infos(registry: Registry) -> Iterator[dict[str, Any]]:
    """One relation per many-to-one field, as Directus stores them: the one-to-many and
    many-to-many aliases appear as `meta.one_field` and `meta.junction_field` of it."""
    for collection in sorted(registry.values(), key=lambda c: c.name):
        for relation in collection.relations:
            if isinstance(relation, ManyToOne):
                yield _relation_info(registry, collection, relation)


def _relation_info(registry: Registry, many: Collection, m2o: ManyToOne) -> dict[str, Any]:
    one = registry.get(m2o.related)
    aliases = [] if one is None else list(one.relations)
    one_field = next(
        (a.field for a in aliases if a.related == many.name and a.related_field == m2o.field),
        None,
    )
    return {
        "collection": many.name,
        "field": m2o.field,
        "related_collection": m2o.related,
        "schema": {
            "constraint_name": None,
            "table": many.table.name,
            "column": m2o.field,
            "foreign_key_schema": many.table.schema,
            "foreign_key_table": m2o.related,
            "foreign_key_column": m2o.related_field,
            "on_update": None,
            "on_delete": None,
        },
        "meta": {
            "id": None,
            "many_collection": many.name,
            "many_field": m2o.field,
            "one_collection": m2o.related,
            "one_field": one_field,
            "one_collection_field": None,
            "one_allowed_collections": None,
            "junction_field": junction_field(registry, many.name, m2o.field),
            "sort_field": None,
            "one_deselect_action": "nullify",
        },
    }


def junction_field(registry: Registry, junction: str, field: str) -> str | None:
    """For a junction's foreign key, the junction's other key in any many-to-many through it."""
    for collection in registry.values():
        for alias in collection.relations:
            if not isinstance(alias, ManyToMany) or alias.related != junction:
                continue
            if alias.related_field == field:
                return alias.junction_field
            if alias.junction_field == field:
                return alias.related_field
    return None


# -- the routes ----------------------------------------------------------------------------------


def make_blueprint(readable: Readable = everything) -> Blueprint:
    """The routes, with `readable` deciding which collections the caller may see."""
    blueprint = Blueprint("dxgen_schema_info", __name__)

    def visible(name: str) -> Collection:
        collection = runtime().registry.get(name)
        if collection is None or not readable(name):
            raise ForbiddenError()
        return collection

    def collections() -> list[Collection]:
        registry = runtime().registry
        return [registry[name] for name in sorted(registry) if readable(name)]

    def schema_name(collection: Collection) -> str | None:
        """PostgreSQL's schema or MySQL's database, as Directus reports them; SQLite has none
        (its database is a file path, which is nobody's business)."""
        engine = runtime().engine
        if collection.table.schema or engine.dialect.name == "sqlite":
            return collection.table.schema
        return "public" if engine.dialect.name == "postgresql" else engine.url.database

    def dialect() -> sa.Dialect:
        return runtime().engine.dialect

    @blueprint.get("/collections")
    def read_collections() -> Response:
        return json_response({"data": [collection_info(c, schema_name(c)) for c in collections()]})

    @blueprint.get("/collections/<name>")
    def read_collection(name: str) -> Response:
        """403 FORBIDDEN for an unknown or hidden collection."""
        collection = visible(name)
        return json_response({"data": collection_info(collection, schema_name(collection))})

    @blueprint.get("/fields")
    def read_fields() -> Response:
        return json_response(
            {"data": [f for c in collections() for f in field_infos(c, dialect())]}
        )

    @blueprint.get("/fields/<name>")
    def read_collection_fields(name: str) -> Response:
        """403 FORBIDDEN for an unknown or hidden collection."""
        return json_response({"data": field_infos(visible(name), dialect())})

    @blueprint.get("/fields/<name>/<field>")
    def read_field(name: str, field: str) -> Response:
        """403 FORBIDDEN for an unknown field."""
        for info in field_infos(visible(name), dialect()):
            if info["field"] == field:
                return json_response({"data": info})
        raise ForbiddenError()

    def shown_relations(name: str | None = None) -> list[dict[str, Any]]:
        if name is not None:
            visible(name)
        return [
            r
            for r in relation_infos(runtime().registry)
            if readable(r["collection"])
            and readable(r["related_collection"])
            and (name is None or r["collection"] == name)
        ]

    @blueprint.get("/relations")
    def read_relations() -> Response:
        return json_response({"data": shown_relations()})

    @blueprint.get("/relations/<name>")
    def read_collection_relations(name: str) -> Response:
        """403 FORBIDDEN for an unknown or hidden collection."""
        return json_response({"data": shown_relations(name)})

    @blueprint.get("/relations/<name>/<field>")
    def read_relation(name: str, field: str) -> Response:
        """403 FORBIDDEN when `field` is not a many-to-one field of `name`."""
        for info in shown_relations(name):
            if info["field"] == field:
                return json_response({"data": info})
        raise ForbiddenError()

    def refuse_write(**_: str) -> Response:
        """The schema belongs to the database: change it there and regenerate."""
        raise ForbiddenError()

    for rule in ("/collections", "/fields", "/relations"):
        for suffix in ("", "/<name>", "/<name>/<field>"):
            if rule == "/collections" and suffix.endswith("<field>"):
                continue
            blueprint.add_url_rule(
                rule + suffix,
                f"refuse_{rule[1:]}{suffix.count('/')}",
                refuse_write,
                methods=WRITE_METHODS,
            )
    return blueprint


def install(app: Flask, readable: Readable = everything) -> None:
    app.register_blueprint(make_blueprint(readable))
