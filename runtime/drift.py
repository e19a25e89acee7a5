"""Has the live database drifted from the schema the app was generated from?

`fingerprint` hashes what one catalog query says about the app's tables (columns, types,
nullability, defaults, keys). dxgen computes it at generation time and the app records it;
`/server/health` computes it again (at most every `CACHE_SECONDS`, never by reflecting the whole
schema) and reports the `schema` check as failed when the two differ. Both sides call this one
function, so they agree on what counts as a change.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

CACHE_SECONDS = 10.0
CHECK_NAME = "schema:fingerprint"

Table = tuple[str | None, str]  # (schema, name)

_SQLITE = """
SELECT m.name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE m.type IN ('table', 'view') AND m.name IN ({names})
ORDER BY m.name, p.cid
"""
_POSTGRESQL = """
SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.is_nullable,
       c.column_default, c.character_maximum_length, c.numeric_precision, c.numeric_scale,
       (SELECT string_agg(tc.constraint_type, ',' ORDER BY tc.constraint_type)
        FROM information_schema.key_column_usage AS k
        JOIN information_schema.table_constraints AS tc
          ON tc.constraint_schema = k.constraint_schema
         AND tc.constraint_name = k.constraint_name
         AND tc.table_name = k.table_name
        WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name
          AND k.column_name = c.column_name) AS keys
FROM information_schema.columns AS c
WHERE c.table_schema = COALESCE(CAST(:schema AS TEXT), current_schema())
  AND c.table_name IN ({names})
ORDER BY c.table_schema, c.table_name, c.ordinal_position
"""
_MYSQL = """
SELECT table_schema, table_name, column_name, column_type, is_nullable, column_default,
       column_key, extra
FROM information_schema.columns
WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name IN ({names})
ORDER BY table_schema, table_name, ordinal_position
"""
_QUERIES = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL, "mysql": _MYSQL, "mariadb": _MYSQL}


def supported(dialect: str) -> bool:
    return dialect in _QUERIES


def fingerprint(conn: Connection, tables: Iterable[Table]) -> str | None:
    """A short hash of the catalog rows describing `tables`; None on a dialect without a known
    catalog query. Tables are grouped by schema: one query per schema (normally one)."""
    query = _QUERIES.get(conn.dialect.name)
    if query is None:
        return None
    by_schema: dict[str | None, list[str]] = {}
    for schema, name in tables:
        by_schema.setdefault(schema, []).append(name)
    rows: list[list[Any]] = []
    for schema in sorted(by_schema, key=lambda s: s or ""):
        rows.extend(_catalog_rows(conn, query, schema, sorted(set(by_schema[schema]))))
    text = json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _catalog_rows(conn: Connection, query: str, schema: str | None, names: Sequence[str]) -> list:
    params: dict[str, Any] = {f"t{i}": name for i, name in enumerate(names)}
    placeholders = ", ".join(f":t{i}" for i in range(len(names))) or "NULL"
    if conn.dialect.name != "sqlite":
        params["schema"] = schema
    statement = sa.text(query.format(names=placeholders))
    return [[_plain(value) for value in row] for row in conn.execute(statement, params)]


def _plain(value: Any) -> Any:
    """Drivers differ in the Python types of catalog values; the hash must not."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def tables_of(registry: Iterable[Any]) -> list[Table]:
    """The (schema, table) of every collection of an app (its `Registry` values)."""
    return sorted(
        {(c.table.schema, c.table.name) for c in registry}, key=lambda t: (t[0] or "", t[1])
    )


@dataclass
class _Observed:
    at: float
    value: str | None


_cache: WeakKeyDictionary[Engine, _Observed] = WeakKeyDictionary()


def live_fingerprint(engine: Engine, tables: list[Table], max_age: float = CACHE_SECONDS) -> Any:
    """The fingerprint of the live database, computed at most once per `max_age` seconds per
    engine (each worker process asks on its own; that is one cheap query every few seconds)."""
    now = time.monotonic()
    seen = _cache.get(engine)
    if seen is not None and now - seen.at < max_age:
        return seen.value
    with engine.connect() as conn:
        value = fingerprint(conn, tables)
    _cache[engine] = _Observed(now, value)
    return value


def schema_check(rt: Any, max_age: float = CACHE_SECONDS) -> tuple[str, dict[str, Any]] | None:
    """The `schema` entry of /server/health for a `Runtime`, in Directus's check format; None
    when the app records no fingerprint (generated without one, or an unsupported dialect)."""
    expected = rt.schema_fingerprint
    if not expected or not supported(rt.engine.dialect.name):
        return None
    try:
        live = live_fingerprint(rt.engine, tables_of(rt.registry.values()), max_age)
    except sa.exc.SQLAlchemyError as error:
        return CHECK_NAME, _entry("error", None, f"cannot read the catalog: {type(error).__name__}")
    if live == expected:
        return CHECK_NAME, _entry("ok", live, "the database matches the generated app")
    return CHECK_NAME, _entry(
        "error",
        live,
        f"the database has changed since the app was generated (expected {expected}); "
        "run `dxgen generate` again",
    )


def _entry(status: str, observed: str | None, output: str) -> dict[str, Any]:
    return {
        "status": status,
        "componentType": "datastore",
        "observedValue": observed,
        "output": output,
    }
