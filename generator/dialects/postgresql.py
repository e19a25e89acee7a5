"""PostgreSQL: enums with their values, arrays as read-only JSON, and the odd scalar types."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.types import TypeEngine

from dxgen.dialects.generic import MappedType

_AS_STRING = (pg.INET, pg.CIDR, pg.MACADDR, pg.INTERVAL, pg.BIT)


def map_type(sa_type: TypeEngine, declared: str) -> MappedType | None:
    if isinstance(sa_type, pg.ARRAY):
        return MappedType("json", readonly=True)
    if isinstance(sa_type, pg.ENUM):
        return MappedType("string", enum_values=tuple(sa_type.enums))
    if isinstance(sa_type, pg.MONEY):
        return MappedType("float", readonly=True)
    if isinstance(sa_type, pg.TSVECTOR):
        return MappedType("text", readonly=True)
    if isinstance(sa_type, _AS_STRING):
        return MappedType("string")
    if isinstance(sa_type, pg.JSONB | pg.JSON):
        return MappedType("json")
    return None
