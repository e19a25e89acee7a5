"""Writing /items: create, update and delete in every form, all-or-nothing, with Directus's
status codes, read-back and errors. Each test creates the rows it changes and removes them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Blog, assert_error, errors_of

_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@pytest.fixture
def tags(blog: Blog) -> Iterator[list[int]]:
    """Three fresh tags, deleted afterwards whatever the test did."""
    created = blog.client.post("/items/tags", json=[{"name": unique("tag")} for _ in range(3)])
    keys = [row["id"] for row in created.get_json()["data"]]
    yield keys
    blog.client.delete("/items/tags", json=keys)


def article(**overrides: Any) -> dict[str, Any]:
    slug = unique("write-test")
    return {"title": "Write test", "slug": slug, "author_id": 1, **overrides}


def test_create_one_reads_back_with_fields(blog: Blog) -> None:
    payload = article(price=3, updated_at="2024-01-01T10:00:00+02:00", metadata={"a": [1, 2]})
    response = blog.client.post(
        "/items/articles?fields=id,price,updated_at,metadata,status", json=payload
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    item = response.get_json()["data"]
    assert item["price"] == "3.00"
    assert item["updated_at"] == "2024-01-01T08:00:00.000Z"
    assert item["metadata"] == {"a": [1, 2]}
    assert item["status"] == "draft"  # database default
    assert blog.client.delete(f"/items/articles/{item['id']}").status_code == 204


def test_create_drops_unknown_keys(blog: Blog) -> None:
    response = blog.client.post("/items/tags", json={"name": unique("t"), "nope": 1})
    key = response.get_json()["data"]["id"]
    assert set(response.get_json()["data"]) == {"id", "name", "articles"}
    blog.client.delete(f"/items/tags/{key}")


def test_create_many_in_input_order(blog: Blog) -> None:
    names = [unique("batch") for _ in range(3)]
    response = blog.client.post("/items/tags?fields=name", json=[{"name": n} for n in names])
    assert [row["name"] for row in response.get_json()["data"]] == names
    assert blog.client.post("/items/tags", json=[]).get_json() == {"data": []}
    blog.client.delete("/items/tags", json={"query": {"filter": {"name": {"_in": names}}}})


def test_create_many_is_all_or_nothing(blog: Blog) -> None:
    name = unique("dup")
    response = blog.client.post("/items/tags", json=[{"name": name}, {"name": name}])
    assert_error(response, 400, "RECORD_NOT_UNIQUE")
    error = errors_of(response)[0]["extensions"]
    assert (error["collection"], error["field"], error["value"]) == ("tags", "name", name)
    left = blog.get(f"/items/tags?filter[name][_eq]={name}").get_json()["data"]
    assert left == []


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"slug": "x", "author_id": 1}, "FAILED_VALIDATION", "title"),
        ({"title": None, "slug": "x", "author_id": 1}, "FAILED_VALIDATION", "title"),
        (
            {"title": "t", "slug": "x", "author_id": 1, "views": "many"},
            "FAILED_VALIDATION",
            "views",
        ),
        ({"title": "t" * 201, "slug": "x", "author_id": 1}, "VALUE_TOO_LONG", "title"),
        (
            {"title": "t", "slug": "x", "author_id": 1, "price": "123456789"},
            "VALUE_OUT_OF_RANGE",
            "price",
        ),
        ({"title": "t", "slug": "x", "author_id": 999}, "INVALID_FOREIGN_KEY", "author_id"),
        ({"title": "t", "slug": "hello-world", "author_id": 1}, "RECORD_NOT_UNIQUE", "slug"),
        (
            {"title": "t", "slug": "x", "author_id": 1, "published_on": "soon"},
            "FAILED_VALIDATION",
            "published_on",
        ),
        (
            {"title": "t", "slug": "x", "author_id": 1, "uid": "not-a-uuid"},
            "FAILED_VALIDATION",
            "uid",
        ),
    ],
)
def test_create_errors(blog: Blog, payload: dict[str, Any], code: str, field: str) -> None:
    response = blog.client.post("/items/articles", json=payload)
    assert_error(response, 400, code)
    assert errors_of(response)[0]["extensions"]["field"] == field


def test_required_errors_are_all_reported(blog: Blog) -> None:
    response = blog.client.post("/items/articles", json={})
    fields = sorted(e["extensions"]["field"] for e in errors_of(response))
    assert response.status_code == 400
    assert fields == ["author_id", "slug", "title"]
    assert errors_of(response)[0]["message"].startswith('Validation failed for field "')


def test_malformed_json_is_invalid_payload(blog: Blog) -> None:
    response = blog.client.post("/items/tags", data="{bad", content_type="application/json")
    assert_error(response, 400, "INVALID_PAYLOAD")


def test_update_one_and_read_back(blog: Blog, tags: list[int]) -> None:
    name = unique("renamed")
    response = blog.client.patch(
        f"/items/tags/{tags[0]}?fields=name", json={"name": name, "id": 999}
    )
    assert response.get_json() == {"data": {"name": name}}
    assert blog.get(f"/items/tags/{tags[0]}").get_json()["data"]["name"] == name
    empty = blog.client.patch(f"/items/tags/{tags[0]}", json={})
    assert empty.status_code == 200


def test_update_missing_item_answers_204(blog: Blog) -> None:
    response = blog.client.patch("/items/tags/987654", json={"name": unique("ghost")})
    assert response.status_code == 204


def test_update_by_keys_by_query_and_batch(blog: Blog, tags: list[int]) -> None:
    by_keys = blog.client.patch(
        "/items/tags?fields=id", json={"keys": tags[:2], "data": {"name": unique("k")}}
    )
    assert by_keys.status_code == 400  # both rows would get the same unique name
    assert blog.get(f"/items/tags/{tags[0]}").get_json()["data"]["name"].startswith("tag-")
    batch = [{"id": key, "name": unique("b")} for key in tags]
    response = blog.client.patch("/items/tags?fields=id,name", json=batch)
    assert [row["name"] for row in response.get_json()["data"]] == [b["name"] for b in batch]
    query = {"filter": {"id": {"_eq": tags[2]}}}
    name = unique("q")
    by_query = blog.client.patch(
        "/items/tags?fields=name", json={"query": query, "data": {"name": name}}
    )
    assert by_query.get_json() == {"data": [{"name": name}]}
    none = blog.client.patch(
        "/items/tags", json={"query": {"filter": {"id": {"_eq": -5}}}, "data": {}}
    )
    assert none.get_json() == {"data": []}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"name": "x"}], "Invalid payload. Item in update misses primary key."),
        ({"keys": [1]}, 'Invalid payload. "data" is required.'),
        ({"data": {}}, 'Invalid payload. "value" must contain at least one of [keys, query].'),
    ],
)
def test_update_payload_errors(blog: Blog, body: Any, message: str) -> None:
    assert_error(blog.client.patch("/items/tags", json=body), 400, "INVALID_PAYLOAD", message)


def test_delete_forms(blog: Blog) -> None:
    def make(count: int) -> list[int]:
        created = blog.client.post(
            "/items/tags", json=[{"name": unique("d")} for _ in range(count)]
        )
        return [row["id"] for row in created.get_json()["data"]]

    one, *_ = keys = make(1)
    assert blog.client.delete(f"/items/tags/{one}").status_code == 204
    keys = make(2)
    assert blog.client.delete("/items/tags", json=keys).status_code == 204
    keys = make(2)
    assert blog.client.delete("/items/tags", json={"keys": keys}).status_code == 204
    keys = make(2)
    query = {"filter": {"id": {"_in": keys}}}
    assert blog.client.delete("/items/tags", json={"query": query}).status_code == 204
    remaining = blog.get(f"/items/tags?filter[id][_in]={','.join(map(str, keys))}").get_json()
    assert remaining == {"data": []}
    assert_error(
        blog.client.delete("/items/tags", json={}),
        400,
        "INVALID_PAYLOAD",
        'Invalid payload. "value" must contain at least one of [query, keys].',
    )


def test_delete_cascades_in_the_database(blog: Blog) -> None:
    created = blog.client.post("/items/articles", json=article()).get_json()["data"]
    comment = blog.client.post(
        "/items/comments",
        json={"article_id": created["id"], "body": "hi", "created_at": "2024-01-01T00:00:00Z"},
    ).get_json()["data"]
    assert blog.client.delete(f"/items/articles/{created['id']}").status_code == 204
    assert_error(blog.get(f"/items/comments/{comment['id']}"), 403, "FORBIDDEN")


def test_composite_key_writes(blog: Blog) -> None:
    created = blog.client.post(
        "/items/article_translations",
        json={"article_id": 1, "language_code": "it", "title": "Ciao"},
    )
    assert created.get_json()["data"]["title"] == "Ciao"
    updated = blog.client.patch("/items/article_translations/1,it", json={"title": "Salve"})
    assert updated.get_json()["data"]["title"] == "Salve"
    assert blog.client.delete("/items/article_translations/1,it").status_code == 204
    assert_error(blog.get("/items/article_translations/1,it"), 403, "FORBIDDEN")


@pytest.mark.parametrize("collection", ["published_articles", "page_views"])
def test_read_only_collections_refuse_writes(blog: Blog, collection: str) -> None:
    assert_error(blog.client.post(f"/items/{collection}", json={"title": "x"}), 403, "FORBIDDEN")
    assert_error(blog.client.delete(f"/items/{collection}", json=[1]), 403, "FORBIDDEN")


def test_read_back_failure_answers_204_after_commit(blog: Blog) -> None:
    name = unique("readback")
    response = blog.client.post("/items/tags?fields=nope", json={"name": name})
    assert response.status_code == 204
    created = blog.get(f"/items/tags?filter[name][_eq]={name}").get_json()["data"]
    assert len(created) == 1
    blog.client.delete(f"/items/tags/{created[0]['id']}")


def test_max_batch_mutation(blog: Blog) -> None:
    limited = blog.variant(MAX_BATCH_MUTATION=2).test_client()
    response = limited.post("/items/tags", json=[{"name": unique("m")} for _ in range(3)])
    assert_error(
        response, 400, "INVALID_PAYLOAD", "Invalid payload. Exceeded max batch mutation limit of 2."
    )
