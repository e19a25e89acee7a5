"""Schema model -> everything the templates need. All decisions live here, none in templates.

Identifiers, runtime column types, operator allow-lists, which files exist and who owns them:
settled in Python, sorted, and handed to `render` as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dxgen import __version__, openapi, typescript
from dxgen.customize import Customization, Served
from dxgen.naming import class_name, unique_identifiers
from dxgen.schema import Collection, Column, Relation, Schema

GENERATED = "generated"
USER = "user"

_OPERATOR_SETS = {
    "string": "STRING",
    "text": "STRING",
    "csv": "STRING",
    "binary": "STRING",
    "integer": "NUMERIC",
    "bigInteger": "NUMERIC",
    "float": "NUMERIC",
    "decimal": "NUMERIC",
    "date": "NUMERIC",
    "dateTime": "NUMERIC",
    "time": "NUMERIC",
    "timestamp": "TIMESTAMP",
    "uuid": "UUID",
    "boolean": "BOOLEAN",
    "json": "JSON",
    "hash": "CONCEALED",
}
_SQL_TYPES = {
    "integer": "Integer",
    "bigInteger": "BigInteger",
    "float": "Float",
    "decimal": "Decimal",
    "string": "String",
    "text": "Text",
    "boolean": "Boolean",
    "date": "Date",
    "time": "Time",
    "dateTime": "DateTime",
    "timestamp": "Timestamp",
    "json": "Json",
    "uuid": "Uuid",
    "binary": "LargeBinary",
    "csv": "Text",
    "hash": "String",
}
DRIVERS = {
    "postgresql": "psycopg[binary]>=3.1",
    "mysql": "pymysql>=1.1",
    "mariadb": "pymysql>=1.1",
}
EXAMPLE_URLS = {
    "postgresql": "postgresql+psycopg://user:password@localhost:5432/dbname",
    "mysql": "mysql+pymysql://user:password@localhost:3306/dbname?charset=utf8mb4",
    "mariadb": "mysql+pymysql://user:password@localhost:3306/dbname?charset=utf8mb4",
    "sqlite": "sqlite:///path/to/database.db",
}


@dataclass(frozen=True)
class FieldPlan:
    name: str
    type: str
    args: tuple[tuple[str, str], ...]  # keyword -> Python source of the value


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    type_source: str
    args: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RelationPlan:
    cls: str
    field: str
    args: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CollectionPlan:
    name: str
    table: str  # the database's name; `name` is the API's (they differ when dxgen.toml renames)
    ident: str
    class_name: str
    kind: str
    readonly: bool
    primary_key: tuple[str, ...]
    primary_key_source: str
    note: str
    comment: str | None
    schema: str | None
    fields: tuple[FieldPlan, ...]
    columns: tuple[ColumnPlan, ...]
    relations: tuple[RelationPlan, ...]
    relation_classes: tuple[str, ...]
    key_hint: str
    options: tuple[tuple[str, str], ...] = ()  # more Collection(...) keywords (dxgen.toml limits)


@dataclass(frozen=True)
class FilePlan:
    path: str
    template: str
    owner: str
    context: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AppPlan:
    package: str
    version: str
    dialect: str
    collections: tuple[CollectionPlan, ...]
    requirements: tuple[str, ...]
    example_url: str
    files: tuple[FilePlan, ...]


def _python(value: object) -> str:
    """Python source for a plain value; strings with double quotes like ruff format writes them."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        inner = ", ".join(_python(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _field_plan(column: Column) -> FieldPlan:
    args: list[tuple[str, str]] = [
        ("operators", f"ops.{_OPERATOR_SETS.get(column.type, 'STRING')}")
    ]
    optional: list[tuple[str, object, object]] = [
        ("nullable", column.nullable, True),
        ("primary_key", column.primary_key, False),
        ("has_default", column.has_default, False),
        ("auto", column.autoincrement, False),
        ("unique", column.unique, False),
        ("max_length", column.max_length, None),
        ("precision", column.precision, None),
        ("scale", column.scale, None),
        ("min_value", column.min_value, None),
        ("max_value", column.max_value, None),
        ("choices", column.enum_values, ()),
        ("readonly", column.readonly, False),
    ]
    args.extend((name, _python(value)) for name, value, default in optional if value != default)
    return FieldPlan(column.name, column.type, tuple(args))


_TEXT_SPELLINGS = ("varchar", "character", "char", "nvarchar", "nchar", "text", "string", "bpchar")


def _plain_text(sql_type: str) -> bool:
    """Whether the database spells this column as ordinary text (not an enum or a type that
    was mapped to a string for want of a better one)."""
    return sql_type.lower().startswith(_TEXT_SPELLINGS)


def _column_plan(column: Column, db_name: str) -> ColumnPlan:
    type_name = _SQL_TYPES.get(column.type, "String")
    if column.type == "string" and (column.enum_values or not _plain_text(column.sql_type)):
        type_name = "Untyped"  # enums and unknown types: bound without a ::VARCHAR cast
    type_args = ""
    if column.type == "decimal" and column.precision is not None:
        scale = column.scale if column.scale is not None else 0
        type_args = f"{column.precision}, {scale}"
    elif column.type == "string" and column.max_length and type_name == "String":
        type_args = str(column.max_length)
    args: list[tuple[str, str]] = []
    if column.primary_key:
        args.append(("primary_key", "True"))
        args.append(("autoincrement", _python(column.autoincrement)))
    if not column.nullable and not column.primary_key:
        args.append(("nullable", "False"))
    if db_name != column.name:  # renamed in dxgen.toml: the key is the API name
        args.append(("key", _python(column.name)))
    return ColumnPlan(db_name, f"types.{type_name}({type_args})", tuple(args))


def _relation_plan(relation: Relation) -> RelationPlan:
    args = [
        ("field", _python(relation.field)),
        ("related", _python(relation.related)),
        ("related_field", _python(relation.related_field)),
    ]
    if relation.kind == "m2m":
        args.append(("junction_field", _python(relation.junction_field)))
        args.append(("far_collection", _python(relation.far_collection)))
    cls = {"m2o": "ManyToOne", "o2m": "OneToMany", "m2m": "ManyToMany"}[relation.kind]
    return RelationPlan(cls, relation.field, tuple(args))


def _collection_plan(collection: Collection, ident: str, served: Served) -> CollectionPlan:
    schema = served.schema
    relations = tuple(_relation_plan(r) for r in schema.relations_of(collection.name))
    classes = tuple(sorted({r.cls for r in relations}))
    key_hint = ",".join(f"<{name}>" for name in collection.primary_key)
    note = ""
    if collection.kind == "view":
        note = "A view: served read-only; writes answer 403 FORBIDDEN."
    elif not collection.primary_key:
        note = "No primary key: served read-only and list-only; writes answer 403 FORBIDDEN."
    elif len(collection.primary_key) > 1:
        note = (
            "Composite key: the key values joined by commas, in key order, make an item URL:\n"
            f"/items/{collection.name}/{key_hint}"
        )
    custom = served.of(collection.name)
    if custom.read_only and not collection.readonly:
        note = "Read-only (dxgen.toml): writes answer 403 FORBIDDEN."
    limits = (("limit_default", custom.limit_default), ("limit_max", custom.limit_max))
    return CollectionPlan(
        name=collection.name,
        table=served.table(collection.name),
        ident=ident,
        class_name=class_name(collection.name),
        kind=collection.kind,
        readonly=collection.readonly or custom.read_only,
        primary_key=collection.primary_key,
        primary_key_source=_python(collection.primary_key) if collection.primary_key else "()",
        note=note,
        comment=collection.comment,
        schema=collection.schema,
        fields=tuple(_field_plan(c) for c in collection.columns),
        columns=tuple(
            _column_plan(c, served.column(collection.name, c.name)) for c in collection.columns
        ),
        relations=relations,
        relation_classes=classes,
        key_hint=key_hint,
        options=tuple((key, _python(value)) for key, value in limits if value is not None),
    )


def plan(schema: Schema, package: str = "app", custom: Customization | None = None) -> AppPlan:
    """Everything to render for `schema` as `custom` (dxgen.toml) shapes it, files in a stable
    order. Module names follow the tables, so renaming a collection never moves a file."""
    served = (custom or Customization()).apply(schema)
    by_table = unique_identifiers(served.tables.values())
    identifiers = {name: by_table[table] for name, table in served.tables.items()}
    collections = tuple(
        _collection_plan(c, identifiers[c.name], served)
        for c in sorted(served.schema.collections, key=lambda c: identifiers[c.name])
    )
    files: list[FilePlan] = [
        FilePlan(f"{package}/__init__.py", "app/__init__.py.jinja", GENERATED),
        FilePlan(f"{package}/schema.py", "app/schema.py.jinja", GENERATED),
        FilePlan(
            f"{package}/collections/__init__.py", "app/collections/__init__.py.jinja", GENERATED
        ),
        FilePlan(f"{package}/hooks/__init__.py", "app/hooks/__init__.py.jinja", GENERATED),
        FilePlan(f"{package}/settings.py", "app/settings.py.jinja", USER),
    ]
    for collection in collections:
        context = {"collection": collection}
        files.append(
            FilePlan(
                f"{package}/collections/{collection.ident}.py",
                "app/collections/collection.py.jinja",
                GENERATED,
                context,
            )
        )
        files.append(
            FilePlan(
                f"{package}/hooks/{collection.ident}.py",
                "app/hooks/collection.py.jinja",
                USER,
                context,
            )
        )
    files.extend(
        [
            FilePlan("requirements.txt", "requirements.txt.jinja", GENERATED),
            FilePlan(".env.example", "env.example.jinja", GENERATED),
            FilePlan("README.md", "README.md.jinja", GENERATED),
            FilePlan("gunicorn.conf.py", "gunicorn.conf.py.jinja", GENERATED),
            FilePlan("tests/__init__.py", "tests/__init__.py.jinja", GENERATED),
            FilePlan("tests/test_smoke.py", "tests/test_smoke.py.jinja", GENERATED),
            FilePlan(".dxgen/schema.json", "schema.json.jinja", GENERATED),
            FilePlan(
                f"{package}/openapi.json",  # in the package, so it ships with the app's code
                "openapi.json.jinja",
                GENERATED,
                {"document": openapi.document(served.schema, package)},
            ),
            FilePlan(
                "client/schema.ts",
                "client/schema.ts.jinja",
                GENERATED,
                {"interfaces": typescript.interfaces(served.schema)},
            ),
        ]
    )
    requirements = [f"dxgen>={__version__}"]
    if schema.dialect in DRIVERS:
        requirements.append(DRIVERS[schema.dialect])
    requirements.append("gunicorn>=22")
    return AppPlan(
        package=package,
        version=__version__,
        dialect=schema.dialect,
        collections=collections,
        requirements=tuple(requirements),
        example_url=EXAMPLE_URLS.get(schema.dialect, "dialect+driver://user:password@host/db"),
        files=tuple(files),
    )
