"""The hand-written reference: Flask + SQLAlchemy Core serving exactly the benchmark queries.

It answers the same Directus paths with the same JSON bytes as the generated app, but knows its
five tables and eleven queries by heart: no query language, no validation beyond what these
queries need, no field tables. Its cost is the floor the generated app's overhead is measured
against. Run: `DB_URL=… gunicorn 'benchmarks.reference.app:create_app()'` from the repository.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Flask, Response, abort, request

from benchmarks.data import METADATA

ARTICLES = METADATA.tables["articles"]
AUTHORS = METADATA.tables["authors"]
COMMENTS = METADATA.tables["comments"]
JUNCTION = METADATA.tables["articles_tags"]
TAGS = METADATA.tables["tags"]
DEFAULT_LIMIT = 100
Item = dict[str, Any]


def _wire(value: Any) -> Any:
    """The one wire format: timestamps as UTC with milliseconds, datetimes bare, decimals as
    padded strings (SQLAlchemy's Numeric already gives them their scale)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        moment = value.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


NAMES = {t.name: tuple(str(c.name) for c in t.columns) for t in METADATA.tables.values()}
"""Plain `str` keys: orjson refuses SQLAlchemy's `quoted_name` subclass as a dict key."""
STAMPS = {
    t.name: tuple(isinstance(c.type, sa.TIMESTAMP) for c in t.columns)
    for t in METADATA.tables.values()
}


def _row(table: sa.Table, values: Any) -> Item:
    """A row (values in table column order) as a JSON object; naive timestamps are UTC."""
    return {
        name: _wire(value.replace(tzinfo=UTC) if stamp and value is not None else value)
        for name, stamp, value in zip(NAMES[table.name], STAMPS[table.name], values, strict=True)
    }


def _children(
    conn: sa.Connection, fk: sa.Column[Any], ids: list[int], columns: list[Any], joined: Any = None
) -> dict[int, list[Any]]:
    """One statement for the children of every parent: their `columns` as tuples, grouped by
    parent key, in child-key order."""
    groups: dict[int, list[Any]] = {i: [] for i in ids}
    if ids:
        statement = (
            sa.select(fk, *columns)
            .select_from(fk.table if joined is None else joined)
            .where(fk.in_(ids))
            .order_by(fk, fk.table.c.id)
        )
        for row in conn.execute(statement):
            groups[row[0]].append(row[1:])
    return groups


def _with_child_keys(conn: sa.Connection, items: list[Item]) -> list[Item]:
    """Under `*`, one-to-many and many-to-many aliases are arrays of child keys."""
    ids = [item["id"] for item in items]
    comments = _children(conn, COMMENTS.c.article_id, ids, [COMMENTS.c.id])
    tags = _children(conn, JUNCTION.c.articles_id, ids, [JUNCTION.c.id])
    for item in items:
        item["comments"] = [row[0] for row in comments[item["id"]]]
        item["tags"] = [row[0] for row in tags[item["id"]]]
    return items


def _with_expanded_children(conn: sa.Connection, items: list[Item]) -> list[Item]:
    """`comments.*` as whole rows and `tags.tags_id.name` through the junction."""
    ids = [item["id"] for item in items]
    comments = _children(conn, COMMENTS.c.article_id, ids, list(COMMENTS.c))
    through = JUNCTION.join(TAGS, TAGS.c.id == JUNCTION.c.tags_id)
    tags = _children(conn, JUNCTION.c.articles_id, ids, [TAGS.c.name], through)
    for item in items:
        item["comments"] = [_row(COMMENTS, row) for row in comments[item["id"]]]
        item["tags"] = [{"tags_id": {"name": row[0]}} for row in tags[item["id"]]]
    return items


def _articles_select(query: Any) -> sa.Select[Any]:
    fields = query.get("fields")
    if fields == "*,author_id.name":
        author = AUTHORS.alias("a")
        return sa.select(ARTICLES, author.c.name).select_from(
            ARTICLES.outerjoin(author, author.c.id == ARTICLES.c.author_id)
        )
    if fields in (None, "*", "*,comments.*,tags.tags_id.name"):
        return sa.select(ARTICLES)
    abort(400)


def _list_where(statement: sa.Select[Any], query: Any) -> sa.Select[Any]:
    if "filter[status][_eq]" in query:
        statement = statement.where(ARTICLES.c.status == query["filter[status][_eq]"])
    if "filter[title][_contains]" in query:
        term = query["filter[title][_contains]"]
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(ARTICLES.c.title.like(f"%{escaped}%", escape="\\"))
    return statement


def _shape(conn: sa.Connection, rows: list[Any], fields: str | None) -> list[Item]:
    items = [_row(ARTICLES, row[: len(ARTICLES.c)]) for row in rows]
    if fields == "*,author_id.name":
        for item, row in zip(items, rows, strict=True):
            item["author_id"] = {"name": row[-1]}
    if fields == "*,comments.*,tags.tags_id.name":
        return _with_expanded_children(conn, items)
    return _with_child_keys(conn, items)


def list_articles(conn: sa.Connection) -> Any:
    query = request.args
    if "aggregate[count]" in query:
        return {"data": _count_by_author(conn)}
    limit = int(query.get("limit", DEFAULT_LIMIT))
    statement = _list_where(_articles_select(query), query)
    if query.get("sort") == "-published_at":
        statement = statement.order_by(ARTICLES.c.published_at.desc().nulls_first())
    statement = statement.order_by(ARTICLES.c.id)
    if limit != -1:
        statement = statement.limit(limit)
    rows = list(conn.execute(statement))
    body: dict[str, Any] = {}
    if query.get("meta") == "filter_count":
        counted = _list_where(sa.select(sa.func.count()).select_from(ARTICLES), query)
        body["meta"] = {"filter_count": conn.execute(counted).scalar_one()}
    body["data"] = _shape(conn, rows, query.get("fields"))
    return body


def _count_by_author(conn: sa.Connection) -> list[Item]:
    statement = (
        sa.select(ARTICLES.c.author_id, sa.func.count(ARTICLES.c.id))
        .group_by(ARTICLES.c.author_id)
        .order_by(ARTICLES.c.author_id)
    )
    return [{"author_id": a, "count": {"id": str(n)}} for a, n in conn.execute(statement)]


def read_article(conn: sa.Connection, key: int) -> Item:
    row = conn.execute(sa.select(ARTICLES).where(ARTICLES.c.id == key)).first()
    if row is None:
        abort(403)
    return _with_child_keys(conn, [_row(ARTICLES, row)])[0]


def _payload() -> Item:
    """The JSON body with timestamps parsed, as SQLAlchemy binds them."""
    body = request.get_json()
    for name in ("published_at", "created_at"):
        if isinstance(body.get(name), str):
            body[name] = datetime.fromisoformat(body[name].replace("Z", "+00:00"))
    return body


def create_app() -> Flask:
    engine = sa.create_engine(os.environ["DB_URL"])
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout = 5000"))
    app = Flask(__name__)

    def route(path: str, methods: list[str]) -> Callable[[Callable[..., Any]], Any]:
        def register(view: Callable[..., Any]) -> Any:
            def respond(**kwargs: Any) -> Response:
                with engine.begin() as conn:
                    body = view(conn, **kwargs)
                return Response(orjson.dumps(body), content_type="application/json; charset=utf-8")

            app.add_url_rule(path, view.__name__, respond, methods=methods)
            return view

        return register

    @route("/items/articles", ["GET"])
    def articles(conn: sa.Connection) -> Any:
        return list_articles(conn)

    @route("/items/articles/<int:key>", ["GET"])
    def article(conn: sa.Connection, key: int) -> Any:
        return {"data": read_article(conn, key)}

    @route("/items/articles/<int:key>", ["PATCH"])
    def update(conn: sa.Connection, key: int) -> Any:
        conn.execute(ARTICLES.update().where(ARTICLES.c.id == key).values(**_payload()))
        return {"data": read_article(conn, key)}

    @route("/items/articles", ["POST"])
    def create(conn: sa.Connection) -> Any:
        key = conn.execute(ARTICLES.insert().values(**_payload())).inserted_primary_key[0]
        return {"data": read_article(conn, key)}

    return app
