"""SQLite: types are whatever the table declared, so map on the declared spelling first."""

from __future__ import annotations

import re

from sqlalchemy.types import TypeEngine

from dxgen.dialects.generic import INT64, MappedType, integer

_NUMERIC = re.compile(r"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")


def map_type(sa_type: TypeEngine, declared: str) -> MappedType | None:
    """SQLite stores any integer in 64 bits and accepts any declared name; `UUID`, `TIMESTAMP`
    and `DATETIME` are the conventions other tools (and Directus) use for those types."""
    name = declared.strip().upper()
    base = name.split("(")[0].strip()
    if base in {"UUID", "GUID", "UNIQUEIDENTIFIER"}:
        return MappedType("uuid")
    if base in {"TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"}:
        return MappedType("timestamp")
    if base in {"DATETIME", "TIMESTAMP WITHOUT TIME ZONE"}:
        return MappedType("dateTime")
    if base in {"BOOL", "BOOLEAN"}:
        return MappedType("boolean")
    if base in {"JSON", "JSONB"}:
        return MappedType("json")
    if base in {"BIGINT", "INT8", "UNSIGNED BIG INT"}:
        return integer(INT64, "bigInteger")
    if "INT" in base:
        return integer(INT64)
    match = _NUMERIC.match(name)
    if match:
        precision = int(match.group(1))
        scale = int(match.group(2) or 0)
        return MappedType("decimal", precision=precision, scale=scale)
    if base in {"DECIMAL", "NUMERIC"}:
        return MappedType("decimal")
    if not base:
        return MappedType("string", warning="column without a declared type served as a string")
    return None
