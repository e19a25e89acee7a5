"""SQL injection through every query parameter and through item keys: each attempt must be a
clear 4xx or an empty/ordinary result, never a 500, and the data must be intact afterwards."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.conftest import Blog

PAYLOADS = (
    "1; DROP TABLE articles; --",
    "' OR '1'='1",
    '" OR "1"="1',
    "1) OR (1=1",
    "id`; DROP TABLE tags; --",
    'title" FROM articles; --',
    "1 UNION SELECT password FROM dxgen_users",
    "\\' OR 1=1 --",
)


def _attempts(payload: str) -> list[str]:
    q = quote(payload, safe="")
    deep = quote(json.dumps({"comments": {"_filter": {payload: {"_eq": 1}}}}), safe="")
    return [
        f"/items/articles?filter[{q}][_eq]=1",
        f"/items/articles?filter[title][_eq]={q}",
        f"/items/articles?filter[title][{q}]=1",
        f"/items/articles?filter[id][_in]={q}",
        f"/items/articles?sort={q}",
        f"/items/articles?fields={q}",
        f"/items/articles?search={q}",
        f"/items/articles?aggregate[count]={q}",
        f"/items/articles?aggregate[{q}]=id",
        f"/items/articles?groupBy[]={q}&aggregate[count]=*",
        f"/items/articles?deep={deep}",
        f"/items/articles?deep[comments][_sort]={q}",
        f"/items/articles?deep[comments][_filter][body][_contains]={q}",
        f"/items/articles/{q}",
        f"/items/{q}",
        f"/items/articles?filter={quote(json.dumps({'title': {'_contains': payload}}), safe='')}",
    ]


def _counts(blog: Blog) -> tuple[str, str, int]:
    articles = blog.get("/items/articles?aggregate[count]=*").get_json()["data"][0]["count"]
    tags = blog.get("/items/tags?aggregate[count]=*").get_json()["data"][0]["count"]
    return articles, tags, len(blog.get("/users").get_json()["data"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_injection_is_inert(blog: Blog, payload: str) -> None:
    before = _counts(blog)
    for path in _attempts(payload):
        response = blog.get(path)
        assert response.status_code in (200, 400, 403), (path, response.get_data(as_text=True))
        body = response.get_json()
        if response.status_code == 200:
            text = json.dumps(body)
            assert "$argon2" not in text, path
            query = path.partition("?")[2]
            if query.startswith(("search=", "filter[title]", "filter=")):
                assert body["data"] == [], path  # the payload is a value, matching nothing
        else:
            assert body["errors"][0]["extensions"]["code"] in (
                "INVALID_QUERY",
                "INVALID_PAYLOAD",
                "FORBIDDEN",
            ), path
    assert _counts(blog) == before


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_injection_in_write_keys_and_bodies(blog: Blog, payload: str) -> None:
    before = _counts(blog)
    q = quote(payload, safe="")
    for response in (
        blog.client.patch(f"/items/tags/{q}", json={"name": "x"}),
        blog.client.delete(f"/items/tags/{q}"),
        blog.client.delete("/items/tags", json=[payload]),
        blog.client.patch("/items/tags", json={"keys": [payload], "data": {"name": "x"}}),
        blog.client.patch(
            "/items/tags", json={"query": {"filter": {"name": {"_eq": payload}}}, "data": {}}
        ),
    ):
        assert response.status_code in (200, 204, 400, 403), response.get_data(as_text=True)
    assert _counts(blog) == before
