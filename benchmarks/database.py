"""The benchmark database: built once per scale, then copied for every run (writes change it).

SQLite keeps the built file under the work directory and copies it; PostgreSQL builds a source
database once and copies it with `CREATE DATABASE … TEMPLATE`; MariaDB has no cheap copy, so it
builds the work database afresh.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks import data

PG_ADMIN = os.environ.get("DXGEN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MY_ADMIN = os.environ.get("DXGEN_BENCH_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")
WORK_NAME = "dxgen_bench_work"


@dataclass(frozen=True)
class Database:
    url: str
    """For the generated app and the reference (SQLAlchemy 2, psycopg 3)."""
    legacy_url: str
    """The same database for sandman2 (SQLAlchemy 1.3 knows only psycopg2)."""


def _version() -> str:
    """Changes whenever the generator changes, so a stale cached database is never reused."""
    return hashlib.sha256(Path(data.__file__).read_bytes()).hexdigest()[:8]


def prepare(backend: str, articles: int, workdir: Path) -> Database:
    workdir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        return _sqlite(articles, workdir)
    if backend == "postgresql":
        return _postgresql(articles)
    if backend == "mariadb":
        return _mariadb(articles)
    raise SystemExit(f"unknown backend {backend!r}: sqlite, postgresql or mariadb")


def _sqlite(articles: int, workdir: Path) -> Database:
    source = workdir / f"blog-{articles}-{_version()}.db"
    if not source.exists():
        partial = source.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        data.main(["--db", f"sqlite:///{partial}", "--articles", str(articles)])
        partial.rename(source)
    work = workdir / "work.db"
    shutil.copyfile(source, work)
    url = f"sqlite:///{work}"
    return Database(url, url)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _postgresql(articles: int) -> Database:
    source = f"dxgen_bench_{articles}_{_version()}"
    engine = _admin(PG_ADMIN)
    try:
        with engine.connect() as conn:
            exists = conn.exec_driver_sql(
                f"SELECT 1 FROM pg_database WHERE datname = '{source}'"
            ).first()
            if exists is None:
                conn.exec_driver_sql(f"CREATE DATABASE {source}")
                source_url = sa.make_url(PG_ADMIN).set(database=source)
                data.main(["--db", source_url.render_as_string(False), "--articles", str(articles)])
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {WORK_NAME} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {WORK_NAME} TEMPLATE {source}")
    finally:
        engine.dispose()
    url = sa.make_url(PG_ADMIN).set(database=WORK_NAME)
    legacy = url.set(drivername="postgresql")
    return Database(url.render_as_string(False), legacy.render_as_string(False))


def _mariadb(articles: int) -> Database:
    engine = _admin(MY_ADMIN)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {WORK_NAME}")
            conn.exec_driver_sql(f"CREATE DATABASE {WORK_NAME} CHARACTER SET utf8mb4")
    finally:
        engine.dispose()
    url = sa.make_url(MY_ADMIN).set(database=WORK_NAME).update_query_dict({"charset": "utf8mb4"})
    text = url.render_as_string(False)
    data.main(["--db", text, "--articles", str(articles)])
    return Database(text, text)
