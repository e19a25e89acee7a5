"""/collections, /fields and /relations on the generated blog app: Directus's shapes, read-only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dxgen.runtime import schema_info
from tests.conftest import Blog, assert_error

BLOG_COLLECTIONS = [
    "article_translations",
    "articles",
    "articles_tags",
    "authors",
    "categories",
    "comments",
    "page_views",
    "published_articles",
    "tags",
]
COLLECTION_META = {
    "collection", "icon", "note", "display_template", "hidden", "singleton", "translations",
    "archive_field", "archive_app_filter", "archive_value", "unarchive_value", "sort_field",
    "accountability", "color", "item_duplication_fields", "sort", "group", "collapse",
    "preview_url", "versioning", "status", "autosave_revision_interval",
}  # fmt: skip
FIELD_SCHEMA = {
    "name", "table", "data_type", "default_value", "generation_expression", "max_length",
    "numeric_precision", "numeric_scale", "is_generated", "is_nullable", "is_unique",
    "is_indexed", "is_primary_key", "has_auto_increment", "foreign_key_schema",
    "foreign_key_table", "foreign_key_column", "comment",
}  # fmt: skip
FIELD_META = {
    "id", "collection", "field", "special", "interface", "options", "display", "display_options",
    "readonly", "hidden", "sort", "width", "translations", "note", "conditions", "required",
    "group", "validation", "validation_message", "searchable",
}  # fmt: skip
# (many collection, many field) -> (one collection, one field, junction field)
BLOG_RELATIONS = {
    ("article_translations", "article_id"): ("articles", "article_translations", None),
    ("articles", "author_id"): ("authors", "articles_by_author", None),
    ("articles", "category_id"): ("categories", "articles", None),
    ("articles", "editor_id"): ("authors", "articles_by_editor", None),
    ("articles_tags", "articles_id"): ("articles", "tags", "tags_id"),
    ("articles_tags", "tags_id"): ("tags", "articles", "articles_id"),
    ("categories", "parent_id"): ("categories", "categories_by_parent", None),
    ("comments", "article_id"): ("articles", "comments", None),
}


def data(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def blog_only(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out Directus's system collections (directus_users, …), which the app serves too."""
    return [e for e in entries if not e["collection"].startswith("directus_")]


def test_collections_lists_every_collection_in_directus_shape(blog: Blog) -> None:
    collections = blog_only(data(blog.get("/collections")))
    assert [c["collection"] for c in collections] == BLOG_COLLECTIONS
    expected_schema = {
        "sqlite": None,
        "postgresql": "public",
        "mariadb": sa.make_url(blog.url).database,
    }[blog.backend]
    for collection in collections:
        assert set(collection) == {"collection", "meta", "schema"}
        assert set(collection["meta"]) == COLLECTION_META
        assert collection["meta"]["collection"] == collection["collection"]
        assert collection["schema"] == {
            "schema": expected_schema,
            "name": collection["collection"],
            "comment": None,
        }


def test_one_collection(blog: Blog) -> None:
    assert data(blog.get("/collections/articles")) == blog_only(data(blog.get("/collections")))[1]


@pytest.mark.parametrize(
    "path", ["/collections/nope", "/fields/nope", "/fields/articles/nope", "/relations/nope"]
)
def test_unknown_names_are_forbidden_like_directus(blog: Blog, path: str) -> None:
    assert_error(blog.get(path), 403, "FORBIDDEN", "You don't have permission to access this.")


def test_fields_of_a_collection_are_columns_then_aliases(blog: Blog) -> None:
    fields = data(blog.get("/fields/authors"))
    assert [f["field"] for f in fields] == [
        "id", "name", "email", "bio", "active", "rating", "joined_on", "created_at",
        "articles_by_author", "articles_by_editor",
    ]  # fmt: skip
    assert [f["meta"]["sort"] for f in fields] == list(range(1, 11))
    for field in fields:
        assert set(field) == {"collection", "field", "type", "schema", "meta"}
        assert set(field["meta"]) == FIELD_META
        if field["schema"] is not None:
            assert set(field["schema"]) == FIELD_SCHEMA


def test_a_column_field(blog: Blog) -> None:
    price = data(blog.get("/fields/articles/price"))
    assert price["type"] == "decimal"
    assert price["schema"]["numeric_precision"] == 10
    assert price["schema"]["numeric_scale"] == 2
    assert price["schema"]["is_nullable"] is True
    title = data(blog.get("/fields/articles/title"))["schema"]
    assert (title["max_length"], title["is_nullable"], title["data_type"]) == (
        200,
        False,
        "varchar",
    )
    key = data(blog.get("/fields/articles/id"))
    assert key["schema"]["is_primary_key"] is True
    assert key["schema"]["has_auto_increment"] is True
    metadata = data(blog.get("/fields/articles/metadata"))
    assert (metadata["type"], metadata["meta"]["special"]) == ("json", ["cast-json"])


def test_a_many_to_one_field_names_its_foreign_key(blog: Blog) -> None:
    author = data(blog.get("/fields/articles/author_id"))
    assert author["type"] == "integer"
    assert author["meta"]["special"] == ["m2o"]
    assert author["meta"]["required"] is True
    assert (author["schema"]["foreign_key_table"], author["schema"]["foreign_key_column"]) == (
        "authors",
        "id",
    )


@pytest.mark.parametrize(("field", "special"), [("comments", "o2m"), ("tags", "m2m")])
def test_alias_fields_have_no_schema(blog: Blog, field: str, special: str) -> None:
    alias = data(blog.get(f"/fields/articles/{field}"))
    assert (alias["type"], alias["schema"], alias["meta"]["special"]) == ("alias", None, [special])


def test_views_are_read_only_fields(blog: Blog) -> None:
    fields = data(blog.get("/fields/published_articles"))
    assert fields and all(f["meta"]["readonly"] for f in fields)


def test_all_fields_is_every_collections_fields(blog: Blog) -> None:
    every = blog_only(data(blog.get("/fields")))
    assert every == [f for c in BLOG_COLLECTIONS for f in data(blog.get(f"/fields/{c}"))]


def test_relations_in_directus_shape(blog: Blog) -> None:
    relations = blog_only(data(blog.get("/relations")))
    found = {
        (r["collection"], r["field"]): (
            r["related_collection"],
            r["meta"]["one_field"],
            r["meta"]["junction_field"],
        )
        for r in relations
    }
    assert found == BLOG_RELATIONS
    tags = next(r for r in relations if r["field"] == "tags_id")
    assert tags["schema"]["table"] == "articles_tags"
    assert tags["schema"]["column"] == "tags_id"
    assert (tags["schema"]["foreign_key_table"], tags["schema"]["foreign_key_column"]) == (
        "tags",
        "id",
    )
    assert tags["meta"]["many_collection"] == "articles_tags"
    assert tags["meta"]["one_collection"] == "tags"


def test_relations_of_a_collection_and_of_a_field(blog: Blog) -> None:
    of_articles = data(blog.get("/relations/articles"))
    assert [r["field"] for r in of_articles] == ["author_id", "category_id", "editor_id"]
    assert data(blog.get("/relations/articles/editor_id")) == of_articles[2]
    assert_error(blog.get("/relations/articles/title"), 403, "FORBIDDEN")


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/collections", "/collections/articles", "/fields/articles/title", "/relations"]
)
def test_the_schema_cannot_be_changed_through_the_api(blog: Blog, method: str, path: str) -> None:
    response = blog.client.open(path, method=method, json={"collection": "x"})
    assert_error(response, 403, "FORBIDDEN")
    assert data(blog.get("/collections/articles"))["collection"] == "articles"


def test_a_readable_predicate_hides_collections(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    install = schema_info.install
    monkeypatch.setattr(
        schema_info, "install", lambda app, _readable: install(app, lambda c: c != "authors")
    )
    client = blog.variant().test_client()
    assert "authors" not in [c["collection"] for c in data(client.get("/collections"))]
    assert_error(client.get("/collections/authors"), 403, "FORBIDDEN")
    assert_error(client.get("/fields/authors"), 403, "FORBIDDEN")
    assert {f["collection"] for f in blog_only(data(client.get("/fields")))} == set(
        BLOG_COLLECTIONS
    ) - {"authors"}
    related = {r["related_collection"] for r in data(client.get("/relations"))}
    assert "authors" not in related and "articles" in related
