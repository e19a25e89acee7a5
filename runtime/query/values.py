"""Coerce filter values (strings from a query string, or JSON values) to a field's Python type.

Bad values are the caller's mistake, so each failure is a 400 INVALID_QUERY naming the problem,
never a database error later.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Callable
from typing import Any

from dxgen.runtime.errors import InvalidQueryError
from dxgen.runtime.query.context import Context
from dxgen.runtime.sqltypes import parse_datetime, to_utc

_NOW = re.compile(r"^\$NOW(?:\(\s*([+-]?\s*\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*\))?$")
_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("ms", "msec", "msecs", "millisecond", "milliseconds"), 0.001),
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("", "d", "day", "days"), 86400),
    (("w", "week", "weeks"), 7 * 86400),
    (("mo", "month", "months"), 30 * 86400),
    (("y", "year", "years"), 365 * 86400),
):
    for _name in _names:
        _UNITS[_name] = _seconds


def resolve_now(value: str, ctx: Context) -> dt.datetime | None:
    """`$NOW` or `$NOW(-1 hour)`; None if `value` is not a `$NOW` expression."""
    match = _NOW.match(value.strip())
    if not match:
        return None
    if match.group(1) is None:
        return ctx.now
    unit = match.group(2).lower()
    if unit not in _UNITS:
        raise InvalidQueryError(f'Invalid unit "{match.group(2)}" in "{value}"')
    amount = float(match.group(1).replace(" ", ""))
    return ctx.now + dt.timedelta(seconds=amount * _UNITS[unit])


def resolve_variable(value: Any, ctx: Context) -> Any:
    if value == "$CURRENT_USER":
        return ctx.user
    if value == "$CURRENT_ROLE":
        return ctx.role
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InvalidQueryError("Invalid numeric value") from None
    if number != number:
        raise InvalidQueryError("Invalid numeric value")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _big_integer(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        number = _number(value)
        if isinstance(number, float):
            raise InvalidQueryError("Invalid numeric value") from None
        return number


def _decimal(value: Any) -> decimal.Decimal:
    try:
        result = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise InvalidQueryError("Invalid numeric value") from None
    if not result.is_finite():
        raise InvalidQueryError("Invalid numeric value")
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true"}:
        return True
    if text in {"0", "false"}:
        return False
    raise InvalidQueryError(f'Invalid boolean value "{value}"')


def _moment(value: Any, ctx: Context) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    now = resolve_now(str(value), ctx) if isinstance(value, str) else None
    if now is not None:
        return now
    try:
        return parse_datetime(str(value))
    except ValueError:
        raise InvalidQueryError(f'Invalid date value "{value}"') from None


def _date(value: Any, ctx: Context) -> dt.date:
    return _moment(value, ctx).date()


def _date_time(value: Any, ctx: Context) -> dt.datetime:
    moment = _moment(value, ctx)
    return to_utc(moment).replace(tzinfo=None) if moment.tzinfo else moment


def _timestamp(value: Any, ctx: Context) -> dt.datetime:
    return to_utc(_moment(value, ctx))


def _time(value: Any, ctx: Context) -> dt.time:
    if isinstance(value, str) and not value.startswith("$"):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            raise InvalidQueryError(f'Invalid time value "{value}"') from None
    return _moment(value, ctx).time()


def _uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidQueryError(f'Invalid UUID value "{value}"') from None


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "integer": _number,
    "float": _number,
    "bigInteger": _big_integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "uuid": _uuid,
}
_TEMPORAL: dict[str, Callable[[Any, Context], Any]] = {
    "date": _date,
    "dateTime": _date_time,
    "timestamp": _timestamp,
    "time": _time,
}


def coerce(field_type: str, value: Any, ctx: Context) -> Any:
    """`value` as the Python value to compare a column of `field_type` with."""
    value = resolve_variable(value, ctx)
    if value is None:
        return None
    if field_type in _SIMPLE:
        return _SIMPLE[field_type](value)
    if field_type in _TEMPORAL:
        return _TEMPORAL[field_type](value, ctx)
    return _string(value)
