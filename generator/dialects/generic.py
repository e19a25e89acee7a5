"""The dialect-independent part of the type mapping, keyed on SQLAlchemy's type classes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import types as sat

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
INT16 = (-(2**15), 2**15 - 1)


@dataclass(frozen=True)
class MappedType:
    """A Directus type plus the facts about the column the runtime validates against."""

    type: str
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum_values: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    readonly: bool = False
    warning: str | None = None


def integer(bounds: tuple[int, int] = INT32, kind: str = "integer") -> MappedType:
    return MappedType(kind, min_value=bounds[0], max_value=bounds[1])


def numeric(sa_type: sat.Numeric) -> MappedType:
    """`numeric(p,s)` is a decimal; Directus maps a bare `numeric` to integer, which would
    silently truncate fractional values, so dxgen keeps it a decimal with no fixed scale."""
    precision = getattr(sa_type, "precision", None)
    scale = getattr(sa_type, "scale", None)
    return MappedType("decimal", precision=precision, scale=scale)


def string(sa_type: sat.TypeEngine) -> MappedType:
    length = getattr(sa_type, "length", None)
    return MappedType("string", max_length=length)


def map_type(sa_type: sat.TypeEngine, declared: str) -> MappedType:
    """Generic mapping; ordered from the most to the least specific SQLAlchemy class."""
    if isinstance(sa_type, sat.Boolean):
        return MappedType("boolean")
    if isinstance(sa_type, sat.Enum):
        values = tuple(str(v) for v in (sa_type.enums or ()))
        return MappedType("string", enum_values=values, max_length=sa_type.length)
    if isinstance(sa_type, sat.BigInteger):
        return integer(INT64, "bigInteger")
    if isinstance(sa_type, sat.SmallInteger):
        return integer(INT16)
    if isinstance(sa_type, sat.Integer):
        return integer()
    if isinstance(sa_type, sat.Float):
        return MappedType("float")
    if isinstance(sa_type, sat.Numeric):
        return numeric(sa_type)
    if isinstance(sa_type, sat.DateTime):
        return MappedType("timestamp" if sa_type.timezone else "dateTime")
    if isinstance(sa_type, sat.Date):
        return MappedType("date")
    if isinstance(sa_type, sat.Time):
        return MappedType("time")
    if isinstance(sa_type, sat.JSON):
        return MappedType("json")
    if isinstance(sa_type, sat.Uuid):
        return MappedType("uuid")
    if isinstance(sa_type, sat.Text | sat.UnicodeText):
        return MappedType("text")
    if isinstance(sa_type, sat.String):
        return string(sa_type)
    if isinstance(sa_type, sat._Binary):
        return MappedType("binary")
    if isinstance(sa_type, sat.Interval):
        return MappedType("string")
    shown = declared or type(sa_type).__name__
    return MappedType("string", warning=f"unknown type {shown!r} served as a string")
