"""Build the benchmark blog database at a chosen scale on SQLite, PostgreSQL or MariaDB.

The schema is the shape the benchmark queries need (one-to-many, many-to-many, a filterable
status and date, an unindexed title) with realistic types: text, timestamps with and without
time zone, a decimal, a boolean. Rows are generated from one seeded ``random.Random`` so every
run and every database hold exactly the same values, and inserted through the driver's bulk path
(``executemany`` on SQLite and MariaDB, ``COPY`` on PostgreSQL): SQLAlchemy's per-row processing
would dominate at a million rows.

Usage::

    python benchmarks/data.py --db sqlite:////tmp/bench.db [--articles 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

SEED = 9
BASE = datetime(2023, 1, 1)
"""Every timestamp is BASE plus whole seconds (naive, meaning UTC): MariaDB TIMESTAMP drops
fractions, and whole seconds keep the three databases identical."""

_VOCABULARY = (
    "database python query index schema migration cache server request journey recipe quantum "
    "galaxy garden coffee mountain design pattern river forest engine rocket violin harbor "
    "lantern meadow canyon glacier compass orchard puzzle signal thunder velvet window yellow "
    "zephyr anchor bridge castle desert ember falcon granite horizon island jungle kernel "
    "ladder marble"
)
WORDS: Sequence[str] = tuple(_VOCABULARY.split())
"""Titles, names and bodies are drawn from these words (order matters: the seed indexes them)."""
STATUSES: Sequence[str] = ("draft", "published", "archived")
STATUS_WEIGHTS: Sequence[int] = (20, 70, 10)
RARE_TITLE = "Quantum of Garden"
"""A phrase about one title in 2,500 contains (two given words in order): q6 scans for it."""

Row = tuple[Any, ...]


def metadata() -> sa.MetaData:
    """The benchmark tables, with indexes on every foreign key and on (status, published_at)."""
    md = sa.MetaData()
    utf8 = {"mysql_charset": "utf8mb4"}
    sa.Table(
        "authors",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("bio", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False),
        **utf8,
    )
    sa.Table(
        "articles",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(200), nullable=False, unique=True),
        sa.Column("body", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("views", sa.Integer, nullable=False),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("featured", sa.Boolean, nullable=False),
        sa.Column("published_at", sa.DateTime),
        # A server default, so a POST (q11) needs no timestamp in its body.
        sa.Column(
            "created_at",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
        sa.Index("ix_articles_author_id", "author_id"),
        sa.Index("ix_articles_status_published_at", "status", "published_at"),
        **utf8,
    )
    sa.Table(
        "comments",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("author_name", sa.String(100)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Index("ix_comments_article_id", "article_id"),
        **utf8,
    )
    sa.Table(
        "tags",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        **utf8,
    )
    sa.Table(
        "articles_tags",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("articles_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("tags_id", sa.Integer, sa.ForeignKey("tags.id"), nullable=False),
        sa.UniqueConstraint("articles_id", "tags_id", name="uq_articles_tags"),
        sa.Index("ix_articles_tags_tags_id", "tags_id"),
        **utf8,
    )
    return md


METADATA = metadata()


def _moment(rng: random.Random, days: int) -> datetime:
    return BASE + timedelta(seconds=rng.randrange(days * 86400))


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def rows(articles: int) -> Iterator[tuple[str, list[Row]]]:
    """(table, rows) in insertion order; rows are tuples in the table's column order."""
    rng = random.Random(SEED)
    n_authors = max(1, articles // 100)
    n_tags = max(20, articles // 500)
    yield (
        "authors",
        [
            (
                i,
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}son",
                f"author{i}@example.com",
                _text(rng, 5, 20) if rng.random() < 0.8 else None,
                rng.random() < 0.9,
                _moment(rng, 365),
            )
            for i in range(1, n_authors + 1)
        ],
    )
    yield "tags", [(i, f"{WORDS[i % len(WORDS)]}-{i}") for i in range(1, n_tags + 1)]
    article_rows = []
    for i in range(1, articles + 1):
        first, second = rng.sample(WORDS, 2)
        title = f"The {first.title()} of {second.title()} #{i}"
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        created = _moment(rng, 1000)
        published = None if status == "draft" else created + timedelta(seconds=rng.randrange(86400))
        article_rows.append(
            (
                i,
                title,
                f"the-{first}-of-{second}-{i}",
                _text(rng, 20, 60),
                status,
                rng.randrange(100_000),
                rng.randrange(100_000) / 100 if rng.random() < 0.7 else None,
                rng.random() < 0.1,
                published,
                created,
                rng.randint(1, n_authors),
            )
        )
    yield "articles", article_rows
    yield (
        "comments",
        [
            (
                i,
                rng.randint(1, articles),
                rng.choice(WORDS).title() if rng.random() < 0.8 else None,
                _text(rng, 3, 15),
                _moment(rng, 1100),
            )
            for i in range(1, 3 * articles + 1)
        ],
    )
    pairs = ((a, t) for a in range(1, articles + 1) for t in sorted(rng.sample(range(n_tags), 2)))
    yield "articles_tags", [(i, a, t + 1) for i, (a, t) in enumerate(pairs, start=1)]


def _sqlite_value(value: Any) -> Any:
    """SQLAlchemy's own SQLite text format for datetimes, so both apps read them back alike."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_executemany(raw: Any, table: sa.Table, data: list[Row], marker: str) -> None:
    columns = ", ".join(c.name for c in table.columns)
    markers = ", ".join(marker for _ in table.columns)
    cursor = raw.cursor()
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({markers})"
    for start in range(0, len(data), 10_000):
        cursor.executemany(sql, data[start : start + 10_000])
    cursor.close()


def _insert_copy(raw: Any, table: sa.Table, data: list[Row]) -> None:
    columns = ", ".join(c.name for c in table.columns)
    timestamps = [
        isinstance(c.type, sa.TIMESTAMP) and c.type.timezone for c in table.columns
    ]  # aware values for timestamptz, so the session zone cannot shift them
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(
                [
                    v.replace(tzinfo=UTC) if aware and v is not None else v
                    for v, aware in zip(row, timestamps, strict=True)
                ]
            )


def _load(engine: sa.Engine, articles: int) -> None:
    dialect = engine.dialect.name
    raw = engine.raw_connection()
    try:
        if dialect in ("mysql", "mariadb"):
            raw.cursor().execute("SET time_zone = '+00:00'")
            raw.cursor().execute("SET unique_checks = 0, foreign_key_checks = 0")
        for name, data in rows(articles):
            table = METADATA.tables[name]
            if dialect == "postgresql":
                _insert_copy(raw, table, data)
            elif dialect == "sqlite":
                _insert_executemany(raw, table, [tuple(map(_sqlite_value, r)) for r in data], "?")
            else:
                _insert_executemany(raw, table, data, "%s")
        raw.commit()
    finally:
        raw.close()


def _after_load(engine: sa.Engine) -> None:
    """PostgreSQL sequences must move past the explicit ids (POST would collide); statistics
    are refreshed so the planner sees the real table sizes."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in METADATA.tables:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
        if engine.dialect.name in ("sqlite", "postgresql"):
            conn.exec_driver_sql("ANALYZE")


def build(url: str, articles: int) -> dict[str, int]:
    """(Re)create the tables at `url` and fill them; returns the row count per table."""
    engine = sa.create_engine(url)
    try:
        METADATA.drop_all(engine)
        METADATA.create_all(engine)
        _load(engine, articles)
        _after_load(engine)
        with engine.connect() as conn:
            return {
                name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for name, t in METADATA.tables.items()
            }
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--articles", type=int, default=100_000, help="scale (default 100000)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = build(args.db, args.articles)
    shown = sa.make_url(args.db).render_as_string(hide_password=True)
    summary = ", ".join(f"{name}={n}" for name, n in counts.items())
    print(f"built {shown} in {time.perf_counter() - started:.1f} s: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
