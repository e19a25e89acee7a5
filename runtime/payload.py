"""Validate and coerce write payloads against a collection's fields.

Checks everything the database would otherwise reject in a dialect-specific way (required,
not-null, type, length, integer range, decimal precision, enum choices) so that the answer is the
same Directus error on every database. Unknown keys are dropped, as Directus does for admins.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable
from typing import Any

from dxgen.runtime.errors import (
    DirectusError,
    ErrorGroup,
    FailedValidationError,
    InvalidPayloadError,
    ValueOutOfRangeError,
    ValueTooLongError,
)
from dxgen.runtime.model import Collection, Field
from dxgen.runtime.sqltypes import parse_datetime, to_utc


class _Invalid(Exception):
    """A value of the wrong type; becomes FAILED_VALIDATION for its field."""


def _integer(value: Any, field: Field) -> int:
    if isinstance(value, bool):
        raise _Invalid("Value has to be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Invalid("Value has to be an integer.")


def _float(value: Any, field: Field) -> float:
    if isinstance(value, bool):
        raise _Invalid("Value has to be a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Invalid("Value has to be a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _Invalid("Value has to be a finite number.")
    return number


def _decimal(value: Any, field: Field) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | decimal.Decimal):
        raise _Invalid("Value has to be a number.")
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise _Invalid("Value has to be a number.") from None
    if not number.is_finite():
        raise _Invalid("Value has to be a finite number.")
    return number


def _boolean(value: Any, field: Field) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    raise _Invalid("Value has to be a boolean.")


def _string(value: Any, field: Field) -> str:
    if isinstance(value, bool | dict | list):
        raise _Invalid("Value has to be a string.")
    return value if isinstance(value, str) else str(value)


def _moment(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise _Invalid("Value has to be a date.")
    try:
        return parse_datetime(value)
    except ValueError:
        raise _Invalid("Value has to be a valid date.") from None


def _date(value: Any, field: Field) -> dt.date:
    return _moment(value).date()


def _date_time(value: Any, field: Field) -> dt.datetime:
    moment = _moment(value)
    return to_utc(moment).replace(tzinfo=None) if moment.tzinfo else moment


def _timestamp(value: Any, field: Field) -> dt.datetime:
    return to_utc(_moment(value))


def _time(value: Any, field: Field) -> dt.time:
    if not isinstance(value, str):
        raise _Invalid("Value has to be a time.")
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise _Invalid("Value has to be a valid time.") from None


def _json(value: Any, field: Field) -> Any:
    if isinstance(value, str):
        try:  # Directus accepts a JSON document as a string, and stores the parsed value
            return json.loads(value)
        except ValueError:
            return value
    return value


def _uuid(value: Any, field: Field) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise _Invalid("Value has to be a valid UUID.") from None


def _binary(value: Any, field: Field) -> bytes:
    if not isinstance(value, str):
        raise _Invalid("Value has to be a base64 string.")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _Invalid("Value has to be a base64 string.") from None


def _csv(value: Any, field: Field) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return _string(value, field)


_COERCE: dict[str, Callable[[Any, Field], Any]] = {
    "integer": _integer,
    "bigInteger": _integer,
    "float": _float,
    "decimal": _decimal,
    "boolean": _boolean,
    "string": _string,
    "text": _string,
    "hash": _string,
    "date": _date,
    "dateTime": _date_time,
    "timestamp": _timestamp,
    "time": _time,
    "json": _json,
    "uuid": _uuid,
    "binary": _binary,
    "csv": _csv,
}


def _check_bounds(collection: Collection, field: Field, value: Any, raw: Any) -> None:
    if field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
        raise ValueTooLongError(collection.name, field.name, raw)
    if field.min_value is not None and isinstance(value, int) and value < field.min_value:
        raise ValueOutOfRangeError(collection.name, field.name, raw)
    if field.max_value is not None and isinstance(value, int) and value > field.max_value:
        raise ValueOutOfRangeError(collection.name, field.name, raw)
    if isinstance(value, decimal.Decimal) and field.precision is not None:
        scale = field.scale or 0
        digits = len(value.quantize(decimal.Decimal(1)).copy_abs().as_tuple().digits)
        if value.copy_abs() >= 1 and digits > field.precision - scale:
            raise ValueOutOfRangeError(collection.name, field.name, raw)
    if field.choices and value not in field.choices:
        allowed = ", ".join(field.choices)
        raise FailedValidationError(
            field.name, "choices", f"Value has to be one of {allowed}.", valid=list(field.choices)
        )


def validate(collection: Collection, payload: Any, *, creating: bool) -> dict[str, Any]:
    """The payload as column values, or the errors (all of them at once) for what is wrong."""
    if not isinstance(payload, dict):
        raise InvalidPayloadError('"payload" must be of type object')
    errors: list[DirectusError] = []
    values: dict[str, Any] = {}
    for field in collection.fields:
        if field.name not in payload:
            if creating and field.required:
                errors.append(FailedValidationError(field.name, "required", "Value is required."))
            continue
        raw = payload[field.name]
        if field.readonly:
            continue
        if raw is None:
            if not field.nullable and not (creating and field.auto):
                errors.append(FailedValidationError(field.name, "nnull", "Value can't be null."))
            elif not field.auto:
                values[field.name] = None
            continue
        try:
            value = _COERCE.get(field.type, _string)(raw, field)
            _check_bounds(collection, field, value, raw)
        except _Invalid as invalid:
            errors.append(FailedValidationError(field.name, "type", str(invalid)))
            continue
        except DirectusError as error:
            errors.append(error)
            continue
        values[field.name] = value
    if errors:
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    return values
