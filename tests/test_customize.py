"""dxgen.toml: renames, hidden tables and columns, read-only collections and limits, honoured by
every regeneration; and user-owned hook modules that keep working when they lack hooks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from flask import Flask

from dxgen.customize import CustomizeError, parse
from tests.conftest import import_package
from tests.scenario import SCHEMA, Project, new_project

RENAMES = """
[collections.posts]
name = "articles"

[collections.posts.fields]
title = "headline"
author_id = "author"
"""
RESTRICTIONS = """
[collections.posts]
hidden_fields = ["body"]
read_only = true
limit_default = 2
limit_max = 5

[collections.audit]
hidden = true
"""


def _project(tmp_path: Path, config: str, file: str = "dxgen.toml") -> Project:
    project = new_project(tmp_path, SCHEMA + "CREATE TABLE audit (id INTEGER PRIMARY KEY);")
    project.out.mkdir()
    (project.out / file).write_text(config, encoding="utf-8")
    result = project.generate("--force")
    assert result.code == 0, result.output
    project.sql(
        "INSERT INTO authors (name) VALUES ('Ada');"
        "INSERT INTO posts (title, body, author_id) VALUES ('First', 'b1', 1), ('Second', 'b2', 1);"
    )
    return project


def _app(project: Project) -> Flask:
    return import_package(project.out, "app").create_app({"DB_URL": project.url})


def test_renamed_collection_and_fields_are_served_under_their_new_names(tmp_path: Path) -> None:
    project = _project(tmp_path, RENAMES)
    client = _app(project).test_client()
    created = client.post("/items/articles", json={"headline": "Third", "author": 1})
    assert created.status_code == 200, created.get_data(as_text=True)
    response = client.get(
        "/items/articles?fields=headline,author.name&filter[headline][_neq]=First&sort=-headline"
    )
    assert response.get_json() == {
        "data": [
            {"headline": "Third", "author": {"name": "Ada"}},
            {"headline": "Second", "author": {"name": "Ada"}},
        ]
    }
    nested = client.get("/items/authors?fields=name,posts.headline&deep[posts][_sort]=headline")
    assert nested.get_json()["data"][0]["posts"] == [
        {"headline": "First"},
        {"headline": "Second"},
        {"headline": "Third"},
    ]
    assert client.get("/items/posts").status_code == 403
    field = client.get("/fields/articles/headline").get_json()["data"]
    assert (field["field"], field["schema"]["name"], field["schema"]["table"]) == (
        "headline",
        "title",
        "posts",
    )
    # the module keeps the table's name, so a rename moves no file
    assert 'name="articles",' in project.read("app/collections/posts.py")
    assert 'sa.Column(\n        "title",' in project.read("app/schema.py")


def test_hidden_read_only_and_limits(tmp_path: Path) -> None:
    project = _project(tmp_path, RESTRICTIONS)
    assert not (project.out / "app" / "collections" / "audit.py").exists()
    assert '"body"' not in project.read("app/collections/posts.py")
    assert '"body"' not in project.read("app/schema.py")
    app = _app(project)
    client = app.test_client()
    assert client.get("/items/posts").get_json()["data"][0] == {
        "id": 1,
        "title": "First",
        "author_id": 1,
    }
    assert client.get("/items/posts?fields=body").status_code == 403
    assert client.post("/items/posts", json={"title": "x"}).status_code == 403
    assert client.get("/items/audit").status_code == 403
    posts = app.extensions["dxgen"].registry["posts"]
    assert (posts.readonly, posts.limit_default, posts.limit_max) == (True, 2, 5)
    # the collection's own limits apply: 2 by default, at most 5
    listed = client.get("/items/posts?fields=id&limit=-1").get_json()["data"]
    assert len(client.get("/items/posts?fields=id").get_json()["data"]) == min(2, len(listed))
    response = client.get("/items/posts?limit=6")
    assert response.status_code == 400
    assert "less than or equal to 5" in response.get_json()["errors"][0]["message"]


def test_pyproject_tool_dxgen_is_read_when_there_is_no_dxgen_toml(tmp_path: Path) -> None:
    config = RENAMES.replace("[collections.", "[tool.dxgen.collections.")
    project = _project(tmp_path, "[project]\nname = 'api'\n" + config, "pyproject.toml")
    assert 'name="articles",' in project.read("app/collections/posts.py")


def test_customisation_is_honoured_by_every_regeneration(tmp_path: Path) -> None:
    project = _project(tmp_path, "")
    module = "app/collections/posts.py"
    project.replace(
        module, "    return endpoints.search(", "    # mine\n    return endpoints.search("
    )
    project.write("dxgen.toml", RENAMES)
    result = project.generate()
    assert result.code == 0, result.output
    assert "merge      app/collections/posts.py (your edits kept)" in result.output
    assert "# mine\n" in project.read(module)
    assert '"headline",' in project.read(module)
    project.sql("ALTER TABLE posts ADD COLUMN subtitle TEXT;")
    assert project.generate().code == 0
    text = project.read(module)
    assert '"headline",' in text and '"subtitle",' in text and "# mine\n" in text
    assert project.dxgen("check").code == 0


def test_hooks_written_for_an_older_dxgen_keep_working(tmp_path: Path) -> None:
    project = _project(tmp_path, "")
    project.write(
        "app/hooks/posts.py",
        "def after_read(items, context):\n"
        "    return [{**item, 'seen_by': context.collection} for item in items]\n",
    )
    client = _app(project).test_client()
    data = client.get("/items/posts?fields=title&limit=1").get_json()["data"]
    assert data == [{"title": "First", "seen_by": "posts"}]
    assert client.post("/items/posts", json={"title": "x"}).status_code == 200


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("colections = {}", "unknown key 'colections'"),
        ("[collections.posts]\nlimt_max = 3", "unknown key 'limt_max'"),
        ("[collections.posts]\nlimit_max = 0", "limit_max must be a positive integer"),
        ("[collections.posts]\nlimit_default = 9\nlimit_max = 3", "limit_default is larger"),
        ("[collections.posts]\nread_only = 'yes'", "read_only must be true or false"),
        ("[collections.posts]\nname = 'a/b'", "name must be a non-empty string"),
        ("[collections.posts.fields]\ntitle = 3", "fields must map column names"),
    ],
)
def test_malformed_configuration_is_refused_with_its_place(config: str, message: str) -> None:
    with pytest.raises(CustomizeError, match=message):
        parse(tomllib.loads(config))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[collections.posts]\nname = 'authors'", "collection name 'authors'"),
        ("[collections.posts.fields]\ntitle = 'body'", "field name in posts 'body'"),
        ("[collections.posts]\nhidden_fields = ['id']", "primary key column cannot be hidden"),
        ("[collections.posts\n", "dxgen.toml: "),
    ],
)
def test_impossible_customisation_stops_generation(
    tmp_path: Path, config: str, message: str
) -> None:
    project = new_project(tmp_path)
    project.out.mkdir()
    (project.out / "dxgen.toml").write_text(config, encoding="utf-8")
    result = project.generate("--force")
    assert result.code == 1
    assert message in result.output
    assert not (project.out / "app").exists()


def test_entries_matching_nothing_are_warned_about(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    project.out.mkdir()
    (project.out / "dxgen.toml").write_text(
        "[collections.post]\nread_only = true\n[collections.posts]\nhidden_fields = ['bdy']\n",
        encoding="utf-8",
    )
    result = project.generate("--force")
    assert result.code == 0
    assert "dxgen.toml: no table 'post' in the database" in result.output
    assert "dxgen.toml: no column posts.bdy" in result.output
