"""Read a live database into the schema model. The only module that uses SQLAlchemy's inspector.

Everything here is about asking the database; every decision about what the answers mean for the
API (type mapping, relations) is delegated, and the result is sorted so that the same database
always gives the same model.
"""

from __future__ import annotations

import fnmatch
import re
import warnings as pywarnings
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector

from dxgen.dialects import map_type
from dxgen.relations import derive_relations
from dxgen.schema import Collection, Column, ForeignKey, Schema

SKIPPED_PREFIXES = ("dxgen_", "sqlite_")
SKIPPED_NAMES = frozenset({"alembic_version"})
MATERIALIZED = "materialized view"
_JSON_CHECK = re.compile(r"json_valid\(\s*`?(\w+)`?\s*\)", re.IGNORECASE)


def is_served(name: str, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> bool:
    """System tables are never served; `include`/`exclude` globs narrow the rest."""
    if name.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES:
        return False
    if include and not any(fnmatch.fnmatchcase(name, pattern) for pattern in include):
        return False
    return not any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)


def introspect(
    url: str | sa.URL,
    schema: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    alias_names: Mapping[str, str] | None = None,
) -> Schema:
    """Introspect the database at `url` and derive its relations."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return read_schema(conn, schema, include, exclude, alias_names)
    finally:
        engine.dispose()


def read_schema(
    conn: Connection,
    schema: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    alias_names: Mapping[str, str] | None = None,
) -> Schema:
    inspector = sa.inspect(conn)
    dialect = conn.dialect.name
    warnings: list[str] = []
    kinds = _relation_names(inspector, schema)
    collections = {}
    for name in sorted(kinds):
        if not is_served(name, include, exclude):
            continue
        collections[name] = _read_collection(conn, inspector, name, kinds[name], schema, warnings)
    relations, relation_warnings = derive_relations(collections, alias_names)
    warnings.extend(relation_warnings)
    return Schema(
        dialect=dialect,
        collections=tuple(collections.values()),
        relations=relations,
        warnings=tuple(sorted(warnings)),
        schema=schema,
    )


def _relation_names(inspector: Inspector, schema: str | None) -> dict[str, str]:
    """Name -> kind; a materialized view is a view to the API (read-only) but is named as one in
    the warnings, since refreshing it is the owner's business."""
    names = dict.fromkeys(inspector.get_table_names(schema), "table")
    names.update(dict.fromkeys(inspector.get_view_names(schema), "view"))
    if inspector.dialect.name == "postgresql":
        names.update(dict.fromkeys(inspector.get_materialized_view_names(schema), MATERIALIZED))
    return names


def _read_collection(
    conn: Connection,
    inspector: Inspector,
    name: str,
    kind: str,
    schema: str | None,
    warnings: list[str],
) -> Collection:
    shown_kind, kind = kind, "view" if kind == MATERIALIZED else kind
    with pywarnings.catch_warnings():  # "did not recognize type": reported below, as data
        pywarnings.simplefilter("ignore", sa.exc.SAWarning)
        raw_columns = inspector.get_columns(name, schema)
    _fill_mysql_defaults(conn, name, schema, raw_columns)
    pk = tuple(inspector.get_pk_constraint(name, schema).get("constrained_columns") or ())
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique: set[str] = set(pk) if len(pk) == 1 else set()
    if kind == "table":
        foreign_keys = _foreign_keys(conn, inspector, name, schema)
        unique |= _unique_columns(conn, inspector, name, schema)
    declared = _declared_types(conn, inspector, name, schema, raw_columns)
    json_columns = _mariadb_json_columns(conn, name, schema, kind)
    columns = tuple(
        _column(conn, info, declared, pk, unique, json_columns, name, warnings)
        for info in raw_columns
    )
    if kind == "view":
        warnings.append(f"{name}: {shown_kind} served as a read-only collection")
    elif not pk:
        warnings.append(f"{name}: no primary key; served read-only and list-only")
    return Collection(
        name=name,
        kind=kind,
        columns=columns,
        primary_key=pk,
        foreign_keys=foreign_keys,
        comment=_table_comment(inspector, name, schema),
        schema=schema,
    )


def _column(
    conn: Connection,
    info: dict[str, Any],
    declared: Mapping[str, str],
    pk: tuple[str, ...],
    unique: set[str],
    json_columns: set[str],
    table: str,
    warnings: list[str],
) -> Column:
    name = info["name"]
    mapped = map_type(conn.dialect.name, info["type"], declared.get(name, ""))
    if name in json_columns:
        mapped = map_type("", sa.JSON(), "JSON")
    if mapped.warning:
        warnings.append(f"{table}.{name}: {mapped.warning}")
    default = info.get("default")
    autoincrement = _is_autoincrement(conn, info, pk, mapped.type)
    computed = info.get("computed") is not None
    return Column(
        name=name,
        type=mapped.type,
        sql_type=declared.get(name) or "",
        nullable=bool(info.get("nullable", True)) and name not in pk,
        primary_key=name in pk,
        autoincrement=autoincrement,
        has_default=default is not None or autoincrement or computed,
        default=None if default is None else str(default),
        max_length=mapped.max_length,
        precision=mapped.precision,
        scale=mapped.scale,
        unique=name in unique,
        comment=info.get("comment") or None,
        enum_values=mapped.enum_values,
        min_value=mapped.min_value,
        max_value=mapped.max_value,
        readonly=mapped.readonly or computed,
    )


def _is_autoincrement(
    conn: Connection, info: dict[str, Any], pk: tuple[str, ...], directus_type: str
) -> bool:
    if len(pk) != 1 or info["name"] != pk[0] or directus_type not in {"integer", "bigInteger"}:
        return False
    if info.get("identity") or "nextval(" in str(info.get("default") or ""):
        return True
    if conn.dialect.name == "sqlite":
        return True  # INTEGER PRIMARY KEY is the rowid: the database assigns it
    return info.get("autoincrement") is True


def _declared_types(
    conn: Connection,
    inspector: Inspector,
    table: str,
    schema: str | None,
    raw_columns: list[dict[str, Any]],
) -> dict[str, str]:
    """The database's own spelling of each type. SQLite loses it in reflection (a declared `UUID`
    comes back as NUMERIC), so ask SQLite directly."""
    if conn.dialect.name == "sqlite":
        quoted = conn.dialect.identifier_preparer.quote(table)
        rows = conn.exec_driver_sql(f"PRAGMA table_info({quoted})").fetchall()
        return {row[1]: str(row[2] or "") for row in rows}
    result = {}
    unknown = []
    for info in raw_columns:
        if isinstance(info["type"], sa.types.NullType):
            unknown.append(info["name"])
            continue
        try:
            result[info["name"]] = info["type"].compile(dialect=conn.dialect)
        except Exception:  # an unknown type may not compile; its name is enough
            result[info["name"]] = type(info["type"]).__name__
    if unknown:
        result.update(_catalog_type_names(conn, table, schema, unknown))
    return result


def _catalog_type_names(
    conn: Connection, table: str, schema: str | None, columns: list[str]
) -> dict[str, str]:
    """The spelling of types SQLAlchemy does not know (`point`, `geometry`), from the catalog,
    so that the warning and `sql_type` name the real type instead of "NullType"."""
    found: dict[str, str] = {}
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = :table AND n.nspname = COALESCE(:schema, current_schema()) "
                "AND a.attnum > 0 AND NOT a.attisdropped"
            ),
            {"table": table, "schema": schema},
        )
        found = {str(name): str(kind) for name, kind in rows}
    elif conn.dialect.name in {"mysql", "mariadb"}:
        found = {name: kind for name, (kind, _) in _mysql_catalog(conn, table, schema).items()}
    return {name: found.get(name, "NullType") for name in columns}


def _mysql_catalog(
    conn: Connection, table: str, schema: str | None
) -> dict[str, tuple[str, str | None]]:
    """Column name -> (column type, default) as information_schema spells them."""
    rows = conn.execute(
        sa.text(
            "SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_DEFAULT FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) AND TABLE_NAME = :table"
        ),
        {"table": table, "schema": schema},
    )
    return {str(name): (str(kind), default) for name, kind, default in rows}


def _fill_mysql_defaults(
    conn: Connection, table: str, schema: str | None, raw_columns: list[dict[str, Any]]
) -> None:
    """SQLAlchemy's parser drops some MySQL defaults (`BIT(1) DEFAULT b'0'`), which would make a
    column with a default look required; information_schema has them. MariaDB spells "no
    default" of a nullable column as the text `NULL`."""
    if conn.dialect.name not in {"mysql", "mariadb"}:
        return
    missing = [info for info in raw_columns if info.get("default") is None]
    if not missing:
        return
    catalog = _mysql_catalog(conn, table, schema)
    for info in missing:
        default = catalog.get(info["name"], ("", None))[1]
        if default is not None and default.upper() != "NULL":
            info["default"] = default


def _foreign_keys(
    conn: Connection, inspector: Inspector, table: str, schema: str | None
) -> tuple[ForeignKey, ...]:
    keys = []
    sqlite_actions = _sqlite_on_delete(conn, table)
    for fk in inspector.get_foreign_keys(table, schema):
        if not fk.get("referred_table"):
            continue
        on_delete = (fk.get("options") or {}).get("ondelete")
        columns = tuple(fk["constrained_columns"])
        on_delete = on_delete or sqlite_actions.get((columns, fk["referred_table"]))
        keys.append(
            ForeignKey(
                columns=columns,
                referred_table=fk["referred_table"],
                referred_columns=tuple(fk["referred_columns"]),
                name=fk.get("name"),
                on_delete=on_delete,
            )
        )
    return tuple(sorted(keys, key=lambda k: (k.columns, k.referred_table)))


def _sqlite_on_delete(conn: Connection, table: str) -> dict[tuple[tuple[str, ...], str], str]:
    """(columns, referred table) -> ON DELETE action. SQLAlchemy reads actions from the CREATE
    TABLE text and misses them on inline `REFERENCES p(id) ON DELETE CASCADE`; the pragma has
    them for every form."""
    if conn.dialect.name != "sqlite":
        return {}
    quoted = conn.dialect.identifier_preparer.quote(table)
    rows = conn.exec_driver_sql(f"PRAGMA foreign_key_list({quoted})").fetchall()
    grouped: dict[int, list[Any]] = {}
    for row in rows:  # id, seq, table, from, to, on_update, on_delete, match
        grouped.setdefault(row[0], []).append(row)
    actions = {}
    for parts in grouped.values():
        parts.sort(key=lambda row: row[1])
        action = str(parts[0][6] or "").upper()
        if action and action != "NO ACTION":
            actions[(tuple(str(row[3]) for row in parts), str(parts[0][2]))] = action
    return actions


def _unique_columns(
    conn: Connection, inspector: Inspector, table: str, schema: str | None
) -> set[str]:
    """Columns unique on their own. A partial unique index (`WHERE …`) does not count."""
    if conn.dialect.name == "sqlite":
        return _sqlite_unique_columns(conn, table)
    single = set()
    for constraint in inspector.get_unique_constraints(table, schema):
        if len(constraint["column_names"]) == 1:
            single.add(constraint["column_names"][0])
    for index in inspector.get_indexes(table, schema):
        names = [n for n in index.get("column_names") or () if n]
        options = index.get("dialect_options") or {}
        partial = any(key.endswith("_where") and value for key, value in options.items())
        if index.get("unique") and len(names) == 1 and not partial:
            single.add(names[0])
    return single


def _sqlite_unique_columns(conn: Connection, table: str) -> set[str]:
    """SQLite's own index list: SQLAlchemy parses the CREATE TABLE text for unique constraints
    and misses inline ones after a parenthesised type (`slug VARCHAR(10) NOT NULL UNIQUE`);
    `PRAGMA index_list` has every unique constraint and unique index, with a partial flag."""
    quote = conn.dialect.identifier_preparer.quote
    single = set()
    for index in conn.exec_driver_sql(f"PRAGMA index_list({quote(table)})").mappings():
        if not index["unique"] or index["partial"]:
            continue
        info = conn.exec_driver_sql(f"PRAGMA index_info({quote(index['name'])})").fetchall()
        if len(info) == 1 and info[0][2] is not None:
            single.add(str(info[0][2]))
    return single


def _mariadb_json_columns(conn: Connection, table: str, schema: str | None, kind: str) -> set[str]:
    """MariaDB's JSON is LONGTEXT with a column-level `json_valid()` check, which the inspector
    does not report; information_schema does."""
    if conn.dialect.name not in {"mysql", "mariadb"} or kind != "table":
        return set()
    try:
        rows = conn.execute(
            sa.text(
                "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = COALESCE(:schema, DATABASE()) AND TABLE_NAME = :table"
            ),
            {"schema": schema, "table": table},
        ).fetchall()
    except sa.exc.DBAPIError:  # MySQL before 8.0.16 has no such table (and native JSON)
        return set()
    found: set[str] = set()
    for (clause,) in rows:
        found.update(_JSON_CHECK.findall(clause or ""))
    return found


def _table_comment(inspector: Inspector, table: str, schema: str | None) -> str | None:
    try:
        return inspector.get_table_comment(table, schema).get("text") or None
    except NotImplementedError:
        return None
