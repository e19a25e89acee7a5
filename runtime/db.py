"""The engine of a generated app: pooled, pre-pinged, and every session in UTC.

Session settings are what make the wire format identical across databases: timestamps are read
and compared in UTC, and SQLite's LIKE is made case-sensitive like PostgreSQL's.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from dxgen.runtime.config import ConfigError, Settings


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
        )
    engine = sa.create_engine(url, **options)
    _configure_sessions(engine)
    return engine


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
