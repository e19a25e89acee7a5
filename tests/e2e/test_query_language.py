"""Aggregates, groupBy, exports, streaming and the statement budget of relational reads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from sqlalchemy import event

from tests.auth_helpers import ensure_admin
from tests.conftest import Blog, assert_error


@contextmanager
def counted(blog: Blog) -> Iterator[list[str]]:
    """Every SQL statement the app runs inside the block (after the one-time set-up of the
    test admin, which a first request would otherwise trigger inside it)."""
    ensure_admin(blog.app)
    engine = blog.app.extensions["dxgen"].engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "dxgen_" not in statement:  # authentication is per request, not per relation level
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def body(blog: Blog, path: str) -> object:
    response = blog.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("aggregate[count]=*", {"data": [{"count": "200"}]}),
        ("aggregate[count]=id", {"data": [{"count": {"id": "200"}}]}),
        ("aggregate[countDistinct]=author_id", {"data": [{"countDistinct": {"author_id": "20"}}]}),
        ("aggregate[countAll]=*", {"data": [{}]}),
        (
            "aggregate[count]=*&groupBy[]=status",
            {
                "data": [
                    {"status": "archived", "count": "28"},
                    {"status": "draft", "count": "52"},
                    {"status": "published", "count": "120"},
                ]
            },
        ),
        (
            "aggregate[count]=*&groupBy[]=status&sort=-count&limit=1",
            {"data": [{"status": "published", "count": "120"}]},
        ),
        (
            "aggregate[count]=*&groupBy[]=year(published_on)",
            {
                "data": [
                    {"published_on_year": "2024", "count": "148"},
                    {"published_on_year": None, "count": "52"},
                ]
            },
        ),
        (
            "aggregate[count]=*&meta=*",
            {"meta": {"total_count": 200, "filter_count": 200}, "data": [{"count": "200"}]},
        ),
    ],
)
def test_aggregate_shapes(blog: Blog, query: str, expected: object) -> None:
    assert body(blog, f"/items/articles?{query}") == expected


def test_aggregate_values_are_typed_like_directus_on_postgres(blog: Blog) -> None:
    row = body(
        blog,
        "/items/articles?aggregate[sum]=views,price&aggregate[avg]=views&aggregate[max]=score"
        "&aggregate[min]=updated_at",
    )["data"][0]  # type: ignore[index]
    assert row["sum"]["views"] == "976555"
    assert row["sum"]["price"] == "83279.45"
    assert row["avg"]["views"] == "4882.775"
    assert row["max"]["score"] == 99.7
    assert row["min"]["updated_at"] == "2024-01-03T11:04:54.000Z"


def test_aggregate_errors(blog: Blog) -> None:
    assert_error(blog.get("/items/articles?aggregate[sum]=title"), 400, "INVALID_QUERY")
    assert_error(blog.get("/items/articles?aggregate[max]=nope"), 403, "FORBIDDEN")
    assert_error(blog.get("/items/articles?aggregate[sum]=*"), 400, "INVALID_QUERY")


@pytest.mark.parametrize("export", ["json", "csv", "xml", "yaml"])
def test_exports_parse_back(blog: Blog, export: str) -> None:
    response = blog.get(f"/items/articles?export={export}&limit=-1&fields=id,title,author_id.name")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="articles ') and disposition.endswith(
        f'.{"csv" if export == "csv" else export}"'
    )
    text = response.get_data(as_text=True)
    if export == "json":
        rows = json.loads(text)
        assert rows[0] == {"id": 1, "title": "Hello World", "author_id": {"name": "Hedy Lamarr"}}
    elif export == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0] == {"id": "1", "title": "Hello World", "author_id.name": "Hedy Lamarr"}
    elif export == "yaml":
        rows = yaml.safe_load(text)
        assert rows[0]["author_id"] == {"name": "Hedy Lamarr"}
    else:
        import xml.etree.ElementTree as ET

        rows = list(ET.fromstring(text))
        assert rows[0].find("title").text == "Hello World"  # type: ignore[union-attr]
    assert len(rows) == 200


def test_unbounded_list_is_streamed_and_well_formed(blog: Blog) -> None:
    response = blog.get("/items/comments?limit=-1&fields=id,article_id.title")
    assert response.is_streamed
    rows = json.loads(response.get_data())["data"]
    assert len(rows) == 400 and rows[0]["id"] == 1


@pytest.mark.parametrize("limit", [1, 100, 1000])
@pytest.mark.parametrize(
    ("fields", "budget"),
    [
        ("id,title,author_id.name,category_id.parent_id.name", 1),  # many-to-ones are joined
        ("id,comments.*", 2),
        ("id,tags.tags_id.name", 2),  # junction rows with their far side joined
        # one statement per level: every relation of a level is read together
        ("id,comments.*,tags.tags_id.name", 2),
        # `*` key lists (translations, comments, tags) are read by the root statement itself
        ("*,author_id.name", 1),
        ("*,comments.*,tags.tags_id.name", 2),
        ("*.*", 2),
        ("id,comments.article_id.author_id.articles_by_author.title", 3),  # three levels deep
        (
            "id,comments.id,tags.tags_id.articles.articles_id.comments.id,article_translations.*",
            4,
        ),
    ],
)
def test_statement_budget_does_not_grow_with_page_size(
    blog: Blog, fields: str, budget: int, limit: int
) -> None:
    with counted(blog) as statements:
        response = blog.get(f"/items/articles?fields={fields}&limit={limit}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(statements) <= budget, statements


def test_deep_limits_children_per_parent_in_one_statement(blog: Blog) -> None:
    path = "/items/articles?fields=id,comments.id&limit=50&deep[comments][_limit]=1"
    with counted(blog) as statements:
        rows = body(blog, path)["data"]  # type: ignore[index]
    assert len(statements) == 2
    assert all(len(row["comments"]) <= 1 for row in rows)
    assert any(len(row["comments"]) == 1 for row in rows)


def test_alias_reads_one_relation_twice_with_different_deep(blog: Blog) -> None:
    body = blog.get(
        "/items/articles/1?alias[recent]=comments&alias[heading]=title"
        "&fields=id,heading,comments.id,recent.id"
        "&deep[recent][_sort]=-id&deep[recent][_limit]=1&deep[comments][_sort]=id"
    ).get_json()["data"]
    assert list(body) == ["id", "heading", "comments", "recent"]
    plain = blog.get("/items/articles/1?fields=title,comments.id&deep[comments][_sort]=id")
    expected = plain.get_json()["data"]
    assert body["heading"] == expected["title"]
    assert body["comments"] == expected["comments"]
    assert body["recent"] == expected["comments"][-1:]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "alias[a.b]=title",
            'Invalid query. "alias" key/value can\'t contain a period character `.`.',
        ),
        (
            "alias[a]=author_id.name",
            'Invalid query. "alias" key/value can\'t contain a period character `.`.',
        ),
    ],
)
def test_alias_errors(blog: Blog, query: str, message: str) -> None:
    assert_error(blog.get(f"/items/articles?{query}"), 400, "INVALID_QUERY", message)


@pytest.mark.parametrize("export", ["", "&export=csv"])
def test_streams_with_nested_lists_keep_every_row(blog: Blog, export: str) -> None:
    """Nested lists are read between batches of a streamed list; every row must still come
    (a MySQL connection drops an open unbuffered result if it runs another statement)."""
    response = blog.get(f"/items/articles?fields=id,comments.id&limit=-1&sort=id{export}")
    text = response.get_data(as_text=True)
    if export:
        ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(text))]
    else:
        ids = [row["id"] for row in json.loads(text)["data"]]
    assert ids == list(range(1, 201))
