"""`dxgen check`, the CI gate, and the schema diff every run prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxgen.introspect import introspect
from dxgen.schemadiff import diff
from tests.scenario import Project, new_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = new_project(tmp_path)
    assert project.generate().code == 0
    return project


def test_check_passes_on_a_fresh_app_and_with_user_edits(project: Project) -> None:
    result = project.dxgen("check")
    assert (result.code, result.output) == (0, f"up to date: {project.out} matches the database\n")
    hooks = project.out / "app" / "hooks" / "posts.py"
    hooks.write_text("MINE = True\n", encoding="utf-8")
    module = project.out / "app" / "collections" / "posts.py"
    module.write_text(module.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    assert project.dxgen("check").code == 0


def test_check_fails_after_a_schema_change_until_regenerated(project: Project) -> None:
    project.sql("ALTER TABLE posts ADD COLUMN views INTEGER NOT NULL DEFAULT 0;")
    before = project.snapshot()
    result = project.dxgen("check")
    assert result.code == 1
    lines = result.output.splitlines()
    assert lines[:3] == [
        "schema changes since the last generation:",
        "  + field posts.views added (integer INTEGER, not null)",
        "files that regenerating would change:",
    ]
    for changed in (".dxgen/schema.json", "app/__init__.py", "app/collections/posts.py"):
        assert f"  update     {changed}" in lines
    assert not [line for line in lines if "authors" in line or "hooks" in line]
    assert project.snapshot() == before
    assert project.generate().code == 0
    assert project.dxgen("check").code == 0


def test_check_fails_on_unresolved_conflicts(project: Project) -> None:
    module = project.out / "app" / "collections" / "posts.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(
        text + "<<<<<<< your edit\nA = 1\n=======\nA = 2\n>>>>>>> dxgen 0.1.0\n", "utf-8"
    )
    result = project.dxgen("check")
    assert result.code == 1
    assert "unresolved app/collections/posts.py" in result.output


def test_check_needs_a_generated_app(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    result = project.dxgen("check")
    assert result.code == 1
    assert "has no .dxgen/manifest.json: run `dxgen generate` first" in result.output


def test_schema_diff_names_every_kind_of_change(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    old = introspect(project.url)
    project.sql(
        """
        CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
        CREATE TABLE posts2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title VARCHAR(200),
            tag_id INTEGER REFERENCES tags(id)
        );
        DROP TABLE posts;
        ALTER TABLE posts2 RENAME TO posts;
        ALTER TABLE authors DROP COLUMN name;
        ALTER TABLE authors ADD COLUMN nick VARCHAR(30);
        """
    )
    assert diff(old, introspect(project.url)) == [
        "- field authors.name removed",
        "+ field authors.nick added (string VARCHAR(30), nullable)",
        "- field posts.author_id removed",
        "- field posts.body removed",
        "+ field posts.tag_id added (integer INTEGER, nullable)",
        "~ field posts.title: nullable False -> True",
        "- foreign key posts(author_id) -> authors(id) removed",
        "+ foreign key posts(tag_id) -> tags(id) added",
        "+ collection tags added (table, 2 fields, key: id)",
        "- relation authors.posts removed (o2m -> posts.author_id)",
        "- relation posts.author_id removed (m2o -> authors.id)",
        "+ relation posts.tag_id added (m2o -> tags.id)",
        "+ relation tags.posts added (o2m -> posts.tag_id)",
    ]
    assert diff(old, old) == []
