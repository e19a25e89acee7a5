"""SQL type -> Directus type, one small module per dialect.

`map_type` is the single entry point. A dialect module may claim a column first (it knows its
own spellings: `tinyint(1)`, `timestamptz`, a declared `UUID` on SQLite); everything else falls back
to the generic mapping by SQLAlchemy type class. Unknown types become strings with a warning.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.types import TypeEngine

from dxgen.dialects import generic, mysql, postgresql, sqlite
from dxgen.dialects.generic import MappedType

DialectMapper = Callable[[TypeEngine, str], MappedType | None]

_DIALECTS: dict[str, DialectMapper] = {
    "sqlite": sqlite.map_type,
    "postgresql": postgresql.map_type,
    "mysql": mysql.map_type,
    "mariadb": mysql.map_type,
}


def map_type(dialect: str, sa_type: TypeEngine, declared: str) -> MappedType:
    """Map one reflected column type; `declared` is the database's own spelling of it."""
    special = _DIALECTS.get(dialect)
    mapped = special(sa_type, declared) if special else None
    return mapped or generic.map_type(sa_type, declared)


__all__ = ["MappedType", "map_type"]
