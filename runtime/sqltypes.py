"""Column types used by generated `schema.py`: one per Directus type, the same on every dialect.

Each is a thin SQLAlchemy `TypeDecorator` that hands the runtime plain Python values whatever the
driver returns (SQLite keeps dates as text and decimals as floats, MariaDB returns JSON as text,
PostgreSQL returns aware datetimes), so that serialisation is one code path for every database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

UTC = dt.UTC

# SQLite has no date types; keep SQLAlchemy's own text formats so apps sharing the file agree.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
SQLITE_TIME = "%H:%M:%S.%f"

Integer = sa.Integer
BigInteger = sa.BigInteger
String = sa.String
Text = sa.Text
LargeBinary = sa.LargeBinary


def Float() -> sa.Float:
    return sa.Float(asdecimal=False)


class Untyped(TypeDecorator[str]):
    """Text on the wire, bound without a type cast. PostgreSQL accepts a plain literal for an
    enum or a type dxgen does not know (`point`, ranges) but refuses the `::VARCHAR` that a
    String bind carries."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "postgresql"):
            return dialect.type_descriptor(sa.types.NullType())
        return dialect.type_descriptor(sa.String(self.impl.length))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)


def _is(dialect: Dialect, *names: str) -> bool:
    return dialect.name in names


class Decimal(TypeDecorator[decimal.Decimal]):
    """Exact decimals everywhere; SQLite gets text so no value passes through a float."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int | None = None, scale: int | None = None) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "sqlite"):
            return dialect.type_descriptor(sa.types.NullType())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not _is(dialect, "sqlite"):
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> decimal.Decimal | None:
        if value is None or isinstance(value, decimal.Decimal):
            return value
        return decimal.Decimal(str(value))


class Boolean(TypeDecorator[bool]):
    """Booleans from `bool`, 0/1 integers (SQLite, `tinyint(1)`) or 't'/'f' text alike."""

    impl = sa.Boolean
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "postgresql"):
            return dialect.type_descriptor(sa.Boolean())
        return dialect.type_descriptor(sa.Integer())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or _is(dialect, "postgresql"):
            return value
        return 1 if value else 0

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return value.strip().lower() in {"1", "t", "true", "y", "yes", "on"}
        return bool(value)


class Date(TypeDecorator[dt.date]):
    impl = sa.Date
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "sqlite"):
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Date())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is not None and _is(dialect, "sqlite"):
            return value.isoformat()
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        return parse_datetime(str(value)).date()


class Time(TypeDecorator[dt.time]):
    impl = sa.Time
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "sqlite"):
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Time())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is not None and _is(dialect, "sqlite"):
            return value.strftime(SQLITE_TIME)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.time | None:
        if value is None or isinstance(value, dt.time):
            return value
        if isinstance(value, dt.timedelta):  # MySQL drivers return TIME as a timedelta
            seconds = int(value.total_seconds())
            return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
        return dt.time.fromisoformat(str(value).strip())


class DateTime(TypeDecorator[dt.datetime]):
    """A wall-clock date and time (no zone): Directus's dateTime."""

    impl = sa.DateTime
    cache_ok = True
    aware = False

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "sqlite"):
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.DateTime(timezone=self.aware))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if self.aware:
            value = to_utc(value)
            if not _is(dialect, "postgresql"):
                value = value.replace(tzinfo=None)  # MySQL sessions run in UTC
        elif value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if _is(dialect, "sqlite"):
            return value.strftime(SQLITE_DATETIME)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            if isinstance(value, int | float):  # epoch milliseconds, as Directus stores on SQLite
                value = dt.datetime.fromtimestamp(value / 1000, UTC)
            elif isinstance(value, dt.date):
                value = dt.datetime(value.year, value.month, value.day)
            else:
                value = parse_datetime(str(value))
        if self.aware:
            return to_utc(value)
        return value.replace(tzinfo=None) if value.tzinfo else value


class Timestamp(DateTime):
    """An instant: Directus's timestamp, always answered in UTC."""

    cache_ok = True
    aware = True


class Json(TypeDecorator[Any]):
    """Parsed JSON values; stored natively on PostgreSQL and as text elsewhere."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "postgresql"):
            return dialect.type_descriptor(sa.JSON(none_as_null=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or _is(dialect, "postgresql"):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value  # not JSON after all (legacy data): serve the text as it is
        return value


class Uuid(TypeDecorator[str]):
    """UUIDs as lower-case strings; native on PostgreSQL and MariaDB, text elsewhere."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is(dialect, "postgresql"):
            return dialect.type_descriptor(sa.Uuid(as_uuid=False))
        return dialect.type_descriptor(sa.String(36))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else str(value).lower()

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, bytes) and len(value) == 16:
            return str(uuidlib.UUID(bytes=value))
        return str(value).lower()


def parse_datetime(text: str) -> dt.datetime:
    """Lenient ISO 8601: `T` or space, optional fraction, optional `Z` or offset."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text)


def to_utc(value: dt.datetime) -> dt.datetime:
    """Naive values are taken as UTC (the app runs in UTC, as Directus recommends)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
