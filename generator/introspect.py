"""Read a live database into the schema model. The only module that uses SQLAlchemy's inspector.

Everything here is about asking the database; every decision about what the answers mean for the
API (type mapping, relations) is delegated, and the result is sorted so that the same database
always gives the same model.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector

from dxgen.dialects import map_type
from dxgen.relations import derive_relations
from dxgen.schema import Collection, Column, ForeignKey, Schema

SKIPPED_PREFIXES = ("dxgen_", "sqlite_")
SKIPPED_NAMES = frozenset({"alembic_version"})
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
    names = dict.fromkeys(inspector.get_table_names(schema), "table")
    names.update(dict.fromkeys(inspector.get_view_names(schema), "view"))
    if inspector.dialect.name == "postgresql":
        names.update(dict.fromkeys(inspector.get_materialized_view_names(schema), "view"))
    return names


def _read_collection(
    conn: Connection,
    inspector: Inspector,
    name: str,
    kind: str,
    schema: str | None,
    warnings: list[str],
) -> Collection:
    raw_columns = inspector.get_columns(name, schema)
    pk = tuple(inspector.get_pk_constraint(name, schema).get("constrained_columns") or ())
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique: set[str] = set(pk) if len(pk) == 1 else set()
    if kind == "table":
        foreign_keys = _foreign_keys(inspector, name, schema)
        unique |= _unique_columns(inspector, name, schema)
    declared = _declared_types(conn, inspector, name, schema, raw_columns)
    json_columns = _mariadb_json_columns(conn, name, schema, kind)
    columns = tuple(
        _column(conn, info, declared, pk, unique, json_columns, name, warnings)
        for info in raw_columns
    )
    if kind == "view":
        warnings.append(f"{name}: view served as a read-only collection")
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
    for info in raw_columns:
        try:
            result[info["name"]] = info["type"].compile(dialect=conn.dialect)
        except Exception:  # an unknown type may not compile; its name is enough
            result[info["name"]] = type(info["type"]).__name__
    return result


def _foreign_keys(inspector: Inspector, table: str, schema: str | None) -> tuple[ForeignKey, ...]:
    keys = []
    for fk in inspector.get_foreign_keys(table, schema):
        if not fk.get("referred_table"):
            continue
        keys.append(
            ForeignKey(
                columns=tuple(fk["constrained_columns"]),
                referred_table=fk["referred_table"],
                referred_columns=tuple(fk["referred_columns"]),
                name=fk.get("name"),
                on_delete=(fk.get("options") or {}).get("ondelete"),
            )
        )
    return tuple(sorted(keys, key=lambda k: (k.columns, k.referred_table)))


def _unique_columns(inspector: Inspector, table: str, schema: str | None) -> set[str]:
    single = set()
    for constraint in inspector.get_unique_constraints(table, schema):
        if len(constraint["column_names"]) == 1:
            single.add(constraint["column_names"][0])
    for index in inspector.get_indexes(table, schema):
        names = [n for n in index.get("column_names") or () if n]
        if index.get("unique") and len(names) == 1:
            single.add(names[0])
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
