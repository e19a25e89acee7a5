"""MySQL and MariaDB: `tinyint(1)` and `bit(1)` booleans, unsigned ranges, `timestamp` as a UTC
timestamp."""

from __future__ import annotations

from sqlalchemy.dialects import mysql as my
from sqlalchemy.types import TypeEngine

from dxgen.dialects.generic import INT16, INT32, INT64, MappedType, integer

_SIGNED = {
    my.TINYINT: (-(2**7), 2**7 - 1),
    my.SMALLINT: INT16,
    my.MEDIUMINT: (-(2**23), 2**23 - 1),
    my.INTEGER: INT32,
    my.BIGINT: INT64,
}


def map_type(sa_type: TypeEngine, declared: str) -> MappedType | None:
    if isinstance(sa_type, my.TINYINT) and getattr(sa_type, "display_width", None) == 1:
        return MappedType("boolean")
    if isinstance(sa_type, my.BIT):
        return _bit(sa_type.length or 1)
    for cls, (low, high) in _SIGNED.items():
        if type(sa_type) is cls:
            if getattr(sa_type, "unsigned", False):
                low, high = 0, high * 2 + 1
            kind = "bigInteger" if cls is my.BIGINT else "integer"
            return integer((low, high), kind)
    if isinstance(sa_type, my.YEAR):
        return integer((1901, 2155))
    if isinstance(sa_type, my.TIMESTAMP):
        return MappedType("timestamp")
    if isinstance(sa_type, my.DATETIME):
        return MappedType("dateTime")
    if isinstance(sa_type, my.ENUM):
        return MappedType("string", enum_values=tuple(sa_type.enums))
    if isinstance(sa_type, my.SET):
        return MappedType("string")
    if isinstance(sa_type, my.TINYTEXT | my.MEDIUMTEXT | my.LONGTEXT):
        return MappedType("text")
    return None


def _bit(width: int) -> MappedType:
    """`BIT(1)` is the other common boolean; a wider `BIT(n)` is an unsigned n-bit integer (the
    runtime reads BIT values as integers, see `dxgen.runtime.db`)."""
    if width == 1:
        return MappedType("boolean")
    return integer((0, 2**width - 1), "bigInteger" if width > 31 else "integer")
