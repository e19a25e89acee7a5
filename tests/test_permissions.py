"""Roles and permissions enforced in SQL (contract §4), each a real attempt against the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.auth_helpers import (
    anonymous,
    create_role,
    create_user,
    grant,
    revoke_all,
)
from tests.conftest import Blog, assert_error


@dataclass
class Caller:
    app: Flask
    role: str
    user: str
    client: FlaskClient


@pytest.fixture
def editor(blog: Blog) -> Iterator[Caller]:
    """A fresh role with no permissions and a user in it, signed in with a static token."""
    app = blog.app
    name = f"editor-{uuid.uuid4().hex[:8]}"
    role = create_role(app, name)
    token = f"token-{name}"
    user = create_user(app, f"{name}@example.com", role=role, token=token)
    client = anonymous(app)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    yield Caller(app, role, user, client)
    revoke_all(app, role)


@pytest.fixture
def public(blog: Blog) -> Iterator[FlaskClient]:
    yield anonymous(blog.app)
    revoke_all(blog.app, None)


def test_public_role_has_no_access_by_default(public: FlaskClient) -> None:
    for path in ("/items/articles", "/items/articles/1", "/users", "/roles", "/permissions"):
        response = public.get(path)
        assert response.status_code == 403, path
    assert_error(
        public.get("/items/articles"),
        403,
        "FORBIDDEN",
        'You don\'t have permission to access collection "articles" or it does not exist. '
        "Queried in root.",
    )
    assert_error(public.post("/items/tags", json={"name": "x"}), 403, "FORBIDDEN")


def test_public_read_grant(blog: Blog, public: FlaskClient) -> None:
    grant(blog.app, None, "tags", "read")
    response = public.get("/items/tags?limit=2&sort=id")
    assert response.status_code == 200
    assert [t["id"] for t in response.get_json()["data"]] == [1, 2]
    assert_error(public.delete("/items/tags/1"), 403, "FORBIDDEN")


def test_field_allow_list(blog: Blog, editor: Caller) -> None:
    grant(blog.app, editor.role, "authors", "read", fields="id,name")
    data = editor.client.get("/items/authors?limit=1&sort=id").get_json()["data"]
    assert list(data[0]) == ["id", "name"]  # `*` shows only what is allowed
    for query in (
        "fields=email",
        "filter[email][_eq]=x",
        "sort=email",
        "aggregate[min]=email",
        "groupBy[]=email&aggregate[count]=*",
    ):
        assert_error(
            editor.client.get(f"/items/authors?{query}"),
            403,
            "FORBIDDEN",
            'You don\'t have permission to access field "email" in collection "authors" or it '
            "does not exist. Queried in root.",
        )
    # search does not look into hidden fields: an email fragment finds nothing
    email = blog.get("/items/authors/1?fields=email").get_json()["data"]["email"]
    found = editor.client.get(f"/items/authors?search={email}").get_json()["data"]
    assert found == []


def test_row_filter_with_current_user(blog: Blog, editor: Caller) -> None:
    grant(
        blog.app,
        editor.role,
        "directus_users",
        "read",
        fields="id,email",
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    users = editor.client.get("/users?meta=total_count,filter_count").get_json()
    assert [u["id"] for u in users["data"]] == [editor.user]
    assert users["meta"] == {"total_count": 1, "filter_count": 1}
    admin_id = blog.get("/users/me").get_json()["data"]["id"]
    assert_error(editor.client.get(f"/users/{admin_id}"), 403, "FORBIDDEN")
    me = editor.client.get("/users/me").get_json()["data"]
    assert me == {"id": editor.user, "email": me["email"]}


def test_row_filters_hold_in_relations_aggregates_and_counts(blog: Blog, editor: Caller) -> None:
    grant(blog.app, editor.role, "articles", "read", permissions={"status": {"_eq": "published"}})
    grant(blog.app, editor.role, "authors", "read", permissions={"active": {"_eq": True}})
    grant(blog.app, editor.role, "comments", "read", permissions={"id": {"_lt": 50}})
    published = blog.get("/items/articles?filter[status][_eq]=published&aggregate[count]=*")
    total = published.get_json()["data"][0]["count"]
    mine = editor.client.get("/items/articles?aggregate[count]=*").get_json()["data"][0]["count"]
    assert mine == total
    meta = editor.client.get("/items/articles?meta=total_count&limit=1").get_json()["meta"]
    assert meta["total_count"] == int(total)
    # an inactive author is never revealed through the relation
    rows = editor.client.get("/items/articles?fields=id,author_id.active&limit=-1").get_json()
    assert all(r["author_id"] is None or r["author_id"]["active"] is True for r in rows["data"])
    # children outside the filter are left out of nested lists, counts and _some
    rows = editor.client.get("/items/articles?fields=id,comments.id,count(comments)&limit=-1")
    for row in rows.get_json()["data"]:
        assert all(c["id"] < 50 for c in row["comments"])
        assert int(row["comments_count"]) == len(row["comments"])
    # key lists under `*` too, even right after an unrestricted caller read the same shape
    assert blog.get("/items/articles?limit=-1").status_code == 200
    starred = editor.client.get("/items/articles?fields=*&limit=-1").get_json()["data"]
    assert any(row["comments"] for row in starred)
    assert all(key < 50 for row in starred for key in row["comments"])
    hidden = editor.client.get("/items/articles?filter[comments][_some][id][_gte]=50&limit=-1")
    assert hidden.get_json()["data"] == []
    # filtering on an unreadable relation's field is a 403, not a side channel
    assert_error(
        editor.client.get("/items/articles?filter[category_id][name][_eq]=x"), 403, "FORBIDDEN"
    )


def test_write_rules(blog: Blog, editor: Caller) -> None:
    grant(blog.app, editor.role, "tags", "read")
    grant(
        blog.app,
        editor.role,
        "tags",
        "create",
        fields="name",
        validation={"name": {"_starts_with": "ok-"}},
    )
    created = editor.client.post("/items/tags", json={"name": "ok-one"})
    assert created.status_code == 200, created.get_data(as_text=True)
    assert_error(
        editor.client.post("/items/tags", json={"name": "bad"}),
        400,
        "FAILED_VALIDATION",
        'Validation failed for field "name". Value has to start with "ok-".',
    )
    assert_error(
        editor.client.post("/items/tags", json={"id": 9999, "name": "ok-two"}),
        403,
        "FORBIDDEN",
        'You don\'t have permissions to perform "create" for the field(s) "id" in collection '
        '"tags".',
    )
    tag = created.get_json()["data"]["id"]
    assert_error(editor.client.patch(f"/items/tags/{tag}", json={"name": "ok-x"}), 403, "FORBIDDEN")
    grant(blog.app, editor.role, "tags", "update", permissions={"name": {"_starts_with": "ok-"}})
    assert editor.client.patch(f"/items/tags/{tag}", json={"name": "ok-renamed"}).status_code == 200
    assert_error(editor.client.patch("/items/tags/1", json={"name": "ok-hijack"}), 403, "FORBIDDEN")
    assert_error(editor.client.delete(f"/items/tags/{tag}"), 403, "FORBIDDEN")
    grant(blog.app, editor.role, "tags", "delete", permissions={"name": {"_starts_with": "ok-"}})
    assert_error(editor.client.delete("/items/tags/1"), 403, "FORBIDDEN")
    assert editor.client.delete(f"/items/tags/{tag}").status_code == 204


def test_presets_and_unreadable_read_back(blog: Blog, editor: Caller) -> None:
    grant(
        blog.app,
        editor.role,
        "comments",
        "create",
        fields="body,article_id",
        presets={"author_name": "$CURRENT_USER", "created_at": "2024-01-01T00:00:00Z"},
    )
    response = editor.client.post("/items/comments", json={"article_id": 1, "body": "hi"})
    assert response.status_code == 204, response.get_data(as_text=True)  # not readable
    row = blog.get(f"/items/comments?filter[author_name][_eq]={editor.user}").get_json()["data"]
    assert len(row) == 1 and row[0]["body"] == "hi"
    blog.client.delete(f"/items/comments/{row[0]['id']}")


def test_no_escalation_through_users_me(blog: Blog, editor: Caller) -> None:
    grant(
        blog.app,
        editor.role,
        "directus_users",
        "update",
        fields="first_name,password",
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    assert editor.client.patch("/users/me", json={"first_name": "Eve"}).status_code == 204
    admin_role = blog.get("/roles?filter[name][_eq]=Administrator").get_json()["data"][0]["id"]
    assert_error(editor.client.patch("/users/me", json={"role": admin_role}), 403, "FORBIDDEN")
    assert_error(
        editor.client.patch(f"/roles/{editor.role}", json={"admin_access": True}), 403, "FORBIDDEN"
    )
    assert_error(
        editor.client.post(
            "/permissions", json={"collection": "articles", "action": "read", "role": editor.role}
        ),
        403,
        "FORBIDDEN",
    )


def test_system_tables_are_not_items(blog: Blog, editor: Caller) -> None:
    for name in ("dxgen_users", "directus_users", "dxgen_permissions", "dxgen_sessions"):
        assert_error(editor.client.get(f"/items/{name}"), 403, "FORBIDDEN")
        assert_error(blog.get(f"/items/{name}"), 403, "FORBIDDEN")  # admins too


def test_password_hashes_never_leak(blog: Blog) -> None:
    users = blog.get("/users?fields=*").get_json()["data"]
    assert users and all(u["password"] in ("**********", None) for u in users)
    assert all(u.get("token") in ("**********", None) for u in users)
    assert_error(blog.get("/users?filter[password][_starts_with]=$argon"), 400, "INVALID_QUERY")
    exported = blog.get("/users?export=csv").get_data(as_text=True)
    assert "$argon2" not in exported


def test_permissions_me(blog: Blog, editor: Caller) -> None:
    grant(blog.app, editor.role, "tags", "read", fields="id")
    grant(blog.app, editor.role, "tags", "create", presets={"name": "x"})
    data = editor.client.get("/permissions/me").get_json()["data"]
    assert data["tags"]["read"] == {"access": "partial", "fields": ["id"]}
    assert data["tags"]["create"] == {"access": "full", "fields": ["*"], "presets": {"name": "x"}}
    assert data["articles"]["read"] == {"access": "none"}


def test_schema_endpoints_and_openapi_show_only_readable_collections(
    blog: Blog, editor: Caller
) -> None:
    grant(blog.app, editor.role, "tags", "read")
    collections = editor.client.get("/collections").get_json()["data"]
    assert [c["collection"] for c in collections] == ["tags"]
    fields = editor.client.get("/fields").get_json()["data"]
    assert {f["collection"] for f in fields} == {"tags"}
    assert_error(editor.client.get("/fields/articles"), 403, "FORBIDDEN")
    spec = editor.client.get("/server/specs/oas").get_json()
    items = {path.split("/")[2] for path in spec["paths"] if path.startswith("/items/")}
    assert items == {"tags"}
