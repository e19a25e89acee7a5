"""One wire format on every database: the one Directus gives on PostgreSQL.

Booleans true/false; decimals as strings padded to their scale; bigIntegers as strings; date
`YYYY-MM-DD`; time `HH:mm:ss`; dateTime `YYYY-MM-DDTHH:mm:ss`; timestamp UTC `…ss.sssZ`;
JSON parsed.
Values arrive already normalised by `sqltypes`, so each serialiser is one small function.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

from dxgen.runtime.sqltypes import to_utc

Serializer = Callable[[Any], Any]


def _integer(value: Any) -> Any:
    return int(value) if isinstance(value, decimal.Decimal | float | str) else value


def _big_integer(value: Any) -> str:
    return str(int(value))


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, decimal.Decimal | str | int) else value


def decimal_serializer(scale: int | None) -> Serializer:
    """Padded to `scale` (`3` -> `"3.00"`), never in exponent form."""
    quantum = decimal.Decimal(1).scaleb(-scale) if scale is not None else None

    def serialize(value: Any) -> str:
        number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
        if quantum is not None:
            number = number.quantize(quantum, rounding=decimal.ROUND_HALF_UP)
        return format(number, "f")

    return serialize


def _boolean(value: Any) -> bool:
    return bool(value)


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _time(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return str(value)


def _date_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return str(value)


def timestamp(value: Any) -> str:
    """UTC with milliseconds (truncated, as a JavaScript Date holds them) and a `Z`."""
    if isinstance(value, dt.datetime):
        return to_utc(value).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


def _binary(value: Any) -> str:
    if isinstance(value, str):
        return value
    return base64.b64encode(bytes(value)).decode("ascii")


def _csv(value: Any) -> list[str]:
    text = _text(value)
    return text.split(",") if text else []


CONCEALED = "**********"

# Directus types whose database value, once through `sqltypes`, is already the wire value when
# it has this Python type: readers pass such values through without calling a serialiser.
NATIVE_TYPES: dict[str, type] = {
    "integer": int,
    "float": float,
    "string": str,
    "text": str,
    "uuid": str,
    "boolean": bool,
}

_BY_TYPE: dict[str, Serializer] = {
    "integer": _integer,
    "bigInteger": _big_integer,
    "float": _float,
    "boolean": _boolean,
    "date": _date,
    "time": _time,
    "dateTime": _date_time,
    "timestamp": timestamp,
    "json": _json,
    "uuid": _text,
    "string": _text,
    "text": _text,
    "hash": lambda _value: CONCEALED,  # password hashes and tokens never leave the server
    "binary": _binary,
    "csv": _csv,
}


def serializer_for(field_type: str, scale: int | None = None) -> Serializer:
    """The function turning a column value of `field_type` into its JSON value (never None in)."""
    if field_type == "decimal":
        return decimal_serializer(scale)
    return _BY_TYPE.get(field_type, _text)


def function_value(value: Any) -> str | None:
    """Function fields and counts are strings on the wire (PostgreSQL returns them as such)."""
    return None if value is None else str(int(value))
