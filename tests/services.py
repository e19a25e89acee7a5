"""Fresh databases on the three backends for one test session, dropped afterwards.

SQLite is always there. PostgreSQL and MariaDB are used when reachable; otherwise their tests skip
with the reason, unless DXGEN_REQUIRE_SERVICES=1 (set by .ci/run), where unreachable is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

BACKENDS = ("sqlite", "postgresql", "mariadb")
PG_ADMIN = os.environ.get("DXGEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MY_ADMIN = os.environ.get("DXGEN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("DXGEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("DXGEN_REQUIRE_SERVICES") == "1"


def unavailable(what: str, error: Exception) -> None:
    """Skip, or fail when the services are required (CI must never skip them silently)."""
    message = f"{what} unreachable: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    if services_required():
        pytest.fail(f"{message} (DXGEN_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


@contextmanager
def fresh_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """A URL to an empty database that is dropped on exit."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"dxgen_test_{uuid.uuid4().hex[:12]}"
    admin_url = PG_ADMIN if backend == "postgresql" else MY_ADMIN
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            suffix = (
                " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" if backend == "mariadb" else ""
            )
            conn.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
    except Exception as error:
        unavailable(backend, error)
    url = sa.make_url(admin_url).set(database=name)
    if backend == "mariadb":
        url = url.update_query_dict({"charset": "utf8mb4"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
