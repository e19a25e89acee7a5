"""Translate database errors into Directus errors, per dialect.

The payload checks catch most problems before SQL runs; these are what only the database can
know (a duplicate, a missing parent row) or what slipped past (a constraint dxgen did not see).
Anything unrecognised stays unrecognised: the caller answers 500 without details.

Two kinds are not the client's doing and answer 503 SERVICE_UNAVAILABLE: the database being
unreachable (`unavailable`), and a deadlock or serialization failure that persisted through the
retries of `db.run_in_transaction` (`is_transient_conflict`) — both are worth retrying later.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import exc

from dxgen.runtime.errors import (
    DirectusError,
    FailedValidationError,
    InvalidForeignKeyError,
    InvalidPayloadError,
    NotNullViolationError,
    RecordNotUniqueError,
    ServiceUnavailableError,
    ValueOutOfRangeError,
    ValueTooLongError,
)

_SQLITE_COLUMN = re.compile(r"constraint failed: [\w\"`]+\.([\w\"`]+)")
_PG_KEY = re.compile(r"Key \(([^)]+)\)=\((.*)\)")
_MY_COLUMN = re.compile(r"[Cc]olumn '([^']+)'")
_MY_FK = re.compile(r"FOREIGN KEY \(`([^`]+)`\)")
_MY_DUPLICATE = re.compile(r"Duplicate entry '(.*)' for key '([^']+)'")


_PG_CONFLICTS = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_MY_CONFLICTS = frozenset({1205, 1213})  # lock wait timeout, deadlock
_MY_CONNECTION = frozenset({2002, 2003, 2006, 2013})
CONFLICT_REASON = "Transaction conflict with concurrent writes; try again"


def is_transient_conflict(error: exc.DBAPIError) -> bool:
    """A deadlock or serialization failure: the database rolled the transaction back, and the
    same transaction run again will most likely succeed."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _PG_CONFLICTS:
        return True
    args = getattr(orig, "args", ())
    return type(orig).__module__.startswith("pymysql") and bool(args) and args[0] in _MY_CONFLICTS


def unavailable(error: Exception) -> ServiceUnavailableError | None:
    """The 503 for an error that means the database cannot be reached (down, restarting, the
    pool exhausted), or None when `error` is about something else."""
    if isinstance(error, exc.TimeoutError):  # the pool: every connection busy for DB_POOL_TIMEOUT
        return ServiceUnavailableError("database", "No database connection available in time")
    if isinstance(error, exc.DisconnectionError):
        return ServiceUnavailableError("database", "Database connection lost")
    if not isinstance(error, exc.DBAPIError):
        return None
    if error.connection_invalidated or _is_closed_connection(error):
        return ServiceUnavailableError("database", "Database connection lost")
    if isinstance(error, exc.OperationalError) and _is_connection_failure(error.orig):
        return ServiceUnavailableError("database", "Database connection lost")
    return None


def _is_closed_connection(error: exc.DBAPIError) -> bool:
    """Drivers raise InterfaceError on a closed connection; sqlite3 raises it for a parameter it
    cannot bind, which is a bug to report as such, not an outage."""
    module = type(error.orig).__module__
    return isinstance(error, exc.InterfaceError) and not module.startswith("sqlite3")


def _is_connection_failure(orig: Any) -> bool:
    if type(orig).__module__.startswith("sqlite3"):
        # the database file is gone or unreadable: the SQLite form of "cannot connect"
        return "unable to open database file" in str(orig)
    code = getattr(orig, "sqlstate", None)
    if code is not None or type(orig).__module__.startswith("psycopg"):
        # psycopg reports a failed connect without a SQLSTATE
        return code is None or code.startswith(("08", "53", "57P"))
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in _MY_CONNECTION


def translate(
    error: exc.DBAPIError, collection: str, payload: dict[str, Any] | None = None
) -> DirectusError | None:
    """The Directus error for `error`, or None if it is not one the client caused."""
    down = unavailable(error)
    if down is not None:
        return down
    if is_transient_conflict(error):
        return ServiceUnavailableError("database", CONFLICT_REASON)
    orig = error.orig
    module = type(orig).__module__
    payload = payload or {}
    if module.startswith("sqlite3"):
        return _sqlite(str(orig), collection, payload)
    if module.startswith("psycopg"):
        return _postgres(orig, collection, payload)
    if module.startswith(("pymysql", "MySQLdb", "mysql")):
        return _mysql(orig, collection, payload)
    return None


def _single(payload: dict[str, Any]) -> str | None:
    return next(iter(payload)) if len(payload) == 1 else None


def _sqlite(message: str, collection: str, payload: dict[str, Any]) -> DirectusError | None:
    match = _SQLITE_COLUMN.search(message)
    column = match.group(1).strip('"`') if match else None
    if message.startswith("UNIQUE constraint failed"):
        return RecordNotUniqueError(collection, column, payload.get(column or ""))
    if message.startswith("NOT NULL constraint failed"):
        return NotNullViolationError(collection, column)
    if message.startswith("FOREIGN KEY constraint failed"):
        return InvalidForeignKeyError(collection, None)
    if "database is locked" in message or "unable to open database" in message:
        return ServiceUnavailableError("database", message.capitalize())
    return None


def _postgres(orig: Any, collection: str, payload: dict[str, Any]) -> DirectusError | None:
    code = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    column = getattr(diag, "column_name", None)
    key = _PG_KEY.search(detail)
    if key and "," not in key.group(1):
        column = key.group(1).strip('"')
    if code == "23505":
        value = payload.get(column or "", key.group(2) if key else None)
        return RecordNotUniqueError(collection, column, value)
    if code == "23503":
        value = payload.get(column or "", key.group(2) if key else None)
        return InvalidForeignKeyError(collection, column, value)
    if code == "23502":
        return NotNullViolationError(collection, column)
    if code == "22001":
        field = _single(payload)
        return ValueTooLongError(collection, field, payload.get(field or ""))
    if code == "22003":
        field = _single(payload)
        return ValueOutOfRangeError(collection, field, payload.get(field or ""))
    if code in ("22P02", "22007", "22008", "22023"):  # invalid text/datetime/parameter value
        return _invalid_value(collection, payload)
    return None


def _mysql(orig: Any, collection: str, payload: dict[str, Any]) -> DirectusError | None:
    code = orig.args[0] if orig.args else None
    message = str(orig.args[1]) if len(orig.args) > 1 else ""
    column_match = _MY_COLUMN.search(message)
    column = column_match.group(1) if column_match else None
    if code == 1062:
        duplicate = _MY_DUPLICATE.search(message)
        value = duplicate.group(1) if duplicate else None
        field = next((k for k, v in payload.items() if str(v) == value), None)
        return RecordNotUniqueError(collection, field, value)
    if code in (1451, 1452):
        fk = _MY_FK.search(message)
        field = fk.group(1) if fk else None
        return InvalidForeignKeyError(collection, field, payload.get(field or ""))
    if code in (1048, 1364):
        return NotNullViolationError(collection, column)
    if code == 1406:
        return ValueTooLongError(collection, column, payload.get(column or ""))
    if code in (1264, 1690):
        return ValueOutOfRangeError(collection, column, payload.get(column or ""))
    if code in (1292, 1366, 1416):  # incorrect value / cannot convert (e.g. text into geometry)
        return _invalid_value(collection, payload)
    return None


def _invalid_value(collection: str, payload: dict[str, Any]) -> DirectusError:
    """A value the database could not parse for its column type (a type dxgen serves as a
    string, such as a range or a point): the client's mistake, so 400, not 500."""
    field = _single(payload)
    if field is None:
        return InvalidPayloadError(f'A value has an invalid format for collection "{collection}"')
    return FailedValidationError(field, "type", "Value has an invalid format for this field.")
