"""The engine of a generated app: pooled, pre-pinged, and every session in UTC.

Session settings are what make the wire format identical across databases: timestamps are read
and compared in UTC, and SQLite's LIKE is made case-sensitive like PostgreSQL's.

Two production concerns live here too. A database that is down must be noticed quickly (a bounded
connect timeout, so requests answer 503 instead of hanging), and a write that loses a deadlock or
a serialization conflict is run again, a few times, before the client hears about it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from dxgen.runtime.config import ConfigError, Settings
from dxgen.runtime.dberrors import is_transient_conflict

log = logging.getLogger("dxgen")
T = TypeVar("T")

# Seconds to wait for a new database connection before answering 503. A URL that sets its own
# `connect_timeout` (psycopg, pymysql) keeps it.
CONNECT_TIMEOUT = 5
# Deadlock/serialization retries: attempts after the first, and the base of the jittered backoff.
TRANSACTION_RETRIES = 3
RETRY_BACKOFF = 0.02


def make_engine(settings: Settings) -> Engine:
    """An engine for `settings.db_url`; a missing or malformed URL stops start-up."""
    if not settings.db_url:
        raise ConfigError("DB_URL is not set: give the SQLAlchemy URL of the database")
    try:
        url = sa.make_url(settings.db_url)
    except sa.exc.ArgumentError:
        raise ConfigError("DB_URL is not a valid SQLAlchemy URL") from None
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=1800,
            connect_args=_server_connect_args(url),
        )
    engine = sa.create_engine(url, **options)
    _configure_sessions(engine)
    return engine


def _server_connect_args(url: sa.URL) -> dict[str, Any]:
    """A bounded connect timeout, and MySQL `BIT` values as integers rather than bytes (so that
    `BIT(1)` reads as a boolean: `bool(b"\\x00")` would be true)."""
    args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = CONNECT_TIMEOUT
    if url.get_driver_name() == "pymysql":
        from pymysql.constants import FIELD_TYPE
        from pymysql.converters import conversions

        args["conv"] = {**conversions, FIELD_TYPE.BIT: _bits_to_int}
    return args


def _bits_to_int(value: bytes | str) -> int:
    raw = value.encode("latin-1") if isinstance(value, str) else value
    return int.from_bytes(raw, "big")


def run_in_transaction(
    engine: Engine, work: Callable[[Connection], T], retries: int = TRANSACTION_RETRIES
) -> T:
    """`work(conn)` in one transaction, run again (up to `retries` more times, after a short
    jittered pause) when the database aborts it for a deadlock or a serialization failure.

    Those aborts roll the whole transaction back, so running `work` again is safe; the pause
    lets the winner commit and keeps the retries of several workers apart. The last error
    propagates unchanged for the caller to translate.
    """
    attempt = 0
    while True:
        try:
            with engine.begin() as conn:
                return work(conn)
        except exc.DBAPIError as error:
            if attempt >= retries or not is_transient_conflict(error):
                raise
            attempt += 1
            log.warning("transaction conflict, retry %d of %d: %s", attempt, retries, error.orig)
            time.sleep(RETRY_BACKOFF * attempt * (1 + random.random()))


def _configure_sessions(engine: Engine) -> None:
    backend = engine.dialect.name

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if backend == "sqlite":
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA case_sensitive_like = ON")
                cursor.execute("PRAGMA busy_timeout = 5000")
            elif backend == "postgresql":
                cursor.execute("SET TIME ZONE 'UTC'")
            elif backend in ("mysql", "mariadb"):
                cursor.execute("SET time_zone = '+00:00'")
                cursor.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')")
        finally:
            cursor.close()
        if backend == "postgresql":
            dbapi_connection.commit()
