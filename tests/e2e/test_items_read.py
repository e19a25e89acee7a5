"""Reading /items on the example blog: the same requests and answers on every backend.

The seed is deterministic, so expected values are exact. Tests here never write: the writing
tests create and remove their own rows, so these rows never change.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Blog, assert_error


def data(blog: Blog, path: str) -> object:
    response = blog.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def ids(blog: Blog, path: str) -> list[int]:
    return [row["id"] for row in data(blog, path)]  # type: ignore[union-attr]


def test_list_defaults_to_100_rows_in_key_order(blog: Blog) -> None:
    rows = data(blog, "/items/articles?fields=id")
    assert [r["id"] for r in rows] == list(range(1, 101))


def test_read_one_with_every_type_in_wire_format(blog: Blog) -> None:
    item = data(blog, "/items/articles/2")
    assert item["id"] == 2
    assert item["price"] == "834.49"
    assert item["published_on"] == "2024-12-07"
    assert item["published_at"] == "2024-12-07T12:20:53"
    assert isinstance(item["metadata"], dict)
    assert item["featured"] is False
    assert item["author_id"] == data(blog, "/items/articles/2?fields=author_id")["author_id"]
    assert list(item)[:3] == ["id", "title", "slug"]


def test_star_renders_one_to_many_as_child_keys(blog: Blog) -> None:
    author = data(blog, "/items/authors/1")
    assert author["articles_by_author"] == ids(
        blog, "/items/articles?filter[author_id][_eq]=1&fields=id&limit=-1"
    )


def test_many_to_one_paths(blog: Blog) -> None:
    item = data(blog, "/items/articles/1?fields=id,author_id.name,author_id.id,editor_id.*")
    assert item["author_id"] == {"name": "Hedy Lamarr", "id": 20}
    assert item["editor_id"] is None
    nested = data(blog, "/items/articles/2?fields=category_id.parent_id.name")
    assert set(nested) == {"category_id"}


def test_many_to_many_values_are_junction_rows(blog: Blog) -> None:
    tag = data(blog, "/items/tags/1?fields=id,articles.articles_id.id")
    article_ids = [row["articles_id"]["id"] for row in tag["articles"]]
    assert article_ids == sorted(article_ids)
    expected = ids(blog, "/items/articles?filter[tags][tags_id][_eq]=1&fields=id&limit=-1")
    assert sorted(article_ids) == expected


def test_composite_key_item_url(blog: Blog) -> None:
    item = data(blog, "/items/article_translations/3,de")
    assert (item["article_id"], item["language_code"]) == (3, "de")
    assert_error(blog.get("/items/article_translations/3"), 403, "FORBIDDEN")
    assert_error(blog.get("/items/article_translations/3,xx"), 403, "FORBIDDEN")


def test_view_and_table_without_key_are_listed(blog: Blog) -> None:
    published = data(blog, "/items/published_articles?limit=-1&fields=id")
    assert len(published) == 120
    views = data(blog, "/items/page_views?limit=5")
    assert len(views) == 5 and set(views[0]) == {"path", "viewed_at", "ip_address"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=3", [1, 2, 3]),
        ("limit=3&offset=3", [4, 5, 6]),
        ("limit=3&page=2", [4, 5, 6]),
        ("limit=3&page=0", [1, 2, 3]),
        ("limit=2&page=3&offset=50", [5, 6]),
        ("limit=0", []),
        ("sort=-id&limit=3", [200, 199, 198]),
    ],
)
def test_paging_and_sort(blog: Blog, query: str, expected: list[int]) -> None:
    assert ids(blog, f"/items/articles?fields=id&{query}") == expected


def test_limit_minus_one_returns_everything(blog: Blog) -> None:
    assert len(data(blog, "/items/comments?limit=-1&fields=id")) >= 400


def test_sort_on_several_keys_ties_broken_by_key(blog: Blog) -> None:
    rows = data(blog, "/items/articles?sort=status,-views&fields=id,status,views&limit=-1")
    keys = [(r["status"], -r["views"], r["id"]) for r in rows]
    assert keys == sorted(keys)


def test_relational_sort(blog: Blog) -> None:
    rows = data(blog, "/items/articles?sort=author_id.name,id&fields=id,author_id.name&limit=-1")
    names = [r["author_id"]["name"] for r in rows]
    assert names == sorted(names)


def test_filter_bracket_and_json_forms_agree(blog: Blog) -> None:
    bracket = ids(blog, "/items/articles?filter[status][_eq]=published&filter[views][_gt]=500")
    payload = json.dumps({"_and": [{"status": {"_eq": "published"}}, {"views": {"_gt": 500}}]})
    assert ids(blog, f"/items/articles?filter={payload}") == bracket
    assert bracket


def test_filter_or_and_relational(blog: Blog) -> None:
    either = ids(
        blog,
        "/items/articles?filter[_or][0][status][_eq]=draft&filter[_or][1][views][_lt]=10"
        "&fields=id&limit=-1",
    )
    drafts = ids(blog, "/items/articles?filter[status][_eq]=draft&fields=id&limit=-1")
    assert set(drafts) <= set(either)
    by_author = ids(blog, "/items/articles?filter[author_id][name][_eq]=Ada%20Lovelace&limit=-1")
    assert by_author == ids(blog, "/items/articles?filter[author_id][_eq]=1&limit=-1")


def test_meta_counts(blog: Blog) -> None:
    body = blog.get("/items/articles?filter[status][_eq]=published&meta=*&limit=1").get_json()
    assert list(body) == ["meta", "data"]
    assert body["meta"] == {"total_count": 200, "filter_count": 120}
    only = blog.get("/items/articles?meta=total_count&limit=1").get_json()
    assert only["meta"] == {"total_count": 200}


def test_search_is_case_insensitive_and_numeric(blog: Blog) -> None:
    found = ids(blog, "/items/articles?search=HELLO&fields=id&limit=-1")
    assert found and 1 in found
    assert 7 in ids(blog, "/items/articles?search=7&fields=id&limit=-1")


def test_search_and_filter_combine(blog: Blog) -> None:
    both = ids(blog, "/items/articles?search=hello&filter[status][_eq]=draft&limit=-1")
    searched = set(ids(blog, "/items/articles?search=hello&limit=-1"))
    drafts = set(ids(blog, "/items/articles?filter[status][_eq]=draft&limit=-1"))
    assert set(both) == searched & drafts


@pytest.mark.parametrize(
    ("path", "status", "code", "message"),
    [
        (
            "/items/nope",
            403,
            "FORBIDDEN",
            'You don\'t have permission to access collection "nope" or it does not exist. '
            "Queried in root.",
        ),
        (
            "/items/articles?fields=nope",
            403,
            "FORBIDDEN",
            'You don\'t have permission to access field "nope" in collection "articles" or it '
            "does not exist. Queried in root.",
        ),
        (
            "/items/articles?fields=author_id.nope",
            403,
            "FORBIDDEN",
            'You don\'t have permission to access field "nope" in collection "authors" or it '
            'does not exist. Queried in "author_id".',
        ),
        (
            "/items/articles?sort=nope",
            403,
            "FORBIDDEN",
            'You don\'t have permission to access field "nope" in collection "articles" or it '
            "does not exist. Queried in root.",
        ),
        ("/items/articles/99999", 403, "FORBIDDEN", "You don't have permission to access this."),
        ("/items/articles/abc", 403, "FORBIDDEN", "You don't have permission to access this."),
        (
            "/items/articles?limit=abc",
            400,
            "INVALID_QUERY",
            'Invalid query. "limit" must be a number.',
        ),
        (
            "/items/articles?limit=-2",
            400,
            "INVALID_QUERY",
            'Invalid query. "limit" must be greater than or equal to -1.',
        ),
        (
            "/items/articles?offset=-1",
            400,
            "INVALID_QUERY",
            'Invalid query. "offset" must be greater than or equal to 0.',
        ),
        (
            "/items/articles?meta=nope",
            400,
            "INVALID_QUERY",
            'Invalid query. "meta[0]" must be one of [total_count, filter_count].',
        ),
        (
            "/items/articles?filter={bad",
            400,
            "INVALID_QUERY",
            "Invalid query. Invalid JSON for filter object.",
        ),
        (
            "/items/articles?filter[title][_gt]=a",
            400,
            "INVALID_QUERY",
            'Invalid query. "string" field type does not contain the "_gt" filter operator.',
        ),
        ("/nowhere", 404, "ROUTE_NOT_FOUND", "Route /nowhere doesn't exist."),
    ],
)
def test_errors(blog: Blog, path: str, status: int, code: str, message: str) -> None:
    assert_error(blog.get(path), status, code, message)


def test_unknown_method_is_route_not_found(blog: Blog) -> None:
    assert_error(blog.client.put("/items/articles/1", json={}), 404, "ROUTE_NOT_FOUND")


def test_query_limit_max(blog: Blog) -> None:
    capped = blog.variant(QUERY_LIMIT_MAX=5).test_client()
    assert len(capped.get("/items/articles?fields=id").get_json()["data"]) == 5
    assert len(capped.get("/items/articles?fields=id&limit=-1").get_json()["data"]) == 5
    assert_error(
        capped.get("/items/articles?limit=6"),
        400,
        "INVALID_QUERY",
        'Invalid query. "limit" must be less than or equal to 5.',
    )


def test_search_method_takes_the_query_in_the_body(blog: Blog) -> None:
    body = {"query": {"filter": {"status": {"_eq": "archived"}}, "fields": ["id"], "limit": -1}}
    response = blog.client.open("/items/articles", method="SEARCH", json=body)
    assert response.status_code == 200
    expected = ids(blog, "/items/articles?filter[status][_eq]=archived&fields=id&limit=-1")
    assert [r["id"] for r in response.get_json()["data"]] == expected
    keyed = blog.client.open("/items/articles", method="SEARCH", json={"keys": [3, 1]})
    assert [r["id"] for r in keyed.get_json()["data"]] == [3, 1]


def test_empty_limit_is_zero_and_empty_page_is_ignored(blog: Blog) -> None:
    assert blog.get("/items/tags?limit=").get_json() == {"data": []}
    assert len(blog.get("/items/tags?page=&limit=3").get_json()["data"]) == 3
