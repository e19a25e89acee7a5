"""Regenerating into an existing app keeps every user edit: scenario tests, each with a real
SQLite database and app in a temp directory (copier's update tests are the model)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dxgen import __version__
from dxgen.manifest import BASE_DIR, MANIFEST_PATH, digest
from tests.conftest import import_package
from tests.scenario import Project, new_project

POSTS = "app/collections/posts.py"
POSTS_HOOKS = "app/hooks/posts.py"
ROUTE = "    return endpoints.read_many(COLLECTION, HOOKS)\n"
EDITED_ROUTE = (
    "    response = endpoints.read_many(COLLECTION, HOOKS)\n"
    '    response.headers["X-Edited"] = "by me"\n'
    "    return response\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = new_project(tmp_path)
    result = project.generate()
    assert result.code == 0, result.output
    return project


def test_first_generation_records_every_file_and_its_base(project: Project) -> None:
    manifest = json.loads(project.read(MANIFEST_PATH))
    assert manifest["dxgen"] == __version__
    assert manifest["options"] == {"exclude": [], "include": [], "package": "app", "schema": None}
    assert [c["name"] for c in manifest["schema"]["collections"]] == ["authors", "posts"]
    assert manifest["files"][POSTS_HOOKS]["owner"] == "user"
    record = manifest["files"][POSTS]
    assert record == {"owner": "generated", "sha256": digest(project.read(POSTS))}
    assert project.read(f"{BASE_DIR}/{record['sha256']}") == project.read(POSTS)


def test_regenerate_without_schema_change_is_a_byte_for_byte_no_op(project: Project) -> None:
    project.replace(POSTS, ROUTE, EDITED_ROUTE)
    project.replace(POSTS_HOOKS, '"""Hooks for', '"""My hooks for')
    before = project.snapshot()
    result = project.generate()
    assert result.code == 0, result.output
    assert "schema: no changes since the last generation" in result.output
    assert project.snapshot() == before


def test_edited_route_and_added_column_merge_cleanly(project: Project) -> None:
    project.replace(POSTS, ROUTE, EDITED_ROUTE)
    project.sql("ALTER TABLE posts ADD COLUMN subtitle VARCHAR(80);")
    result = project.generate()
    assert result.code == 0, result.output
    assert "+ field posts.subtitle added (string VARCHAR(80), nullable)" in result.output
    assert "merge      app/collections/posts.py (your edits kept)" in result.output
    text = project.read(POSTS)
    assert EDITED_ROUTE in text
    assert '"subtitle",' in text
    assert "<<<<<<<" not in text
    app = import_package(project.out, "app").create_app({"DB_URL": project.url})
    project.sql("INSERT INTO posts (title, subtitle) VALUES ('Hello', 'world');")
    response = app.test_client().get("/items/posts?fields=title,subtitle")
    assert response.headers["X-Edited"] == "by me"
    assert response.get_json() == {"data": [{"title": "Hello", "subtitle": "world"}]}


def _recreate_posts(project: Project, title: str) -> None:
    """SQLite cannot change a column's type in place: rebuild the table as a migration would."""
    project.sql(
        f"""
        CREATE TABLE posts_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            {title},
            body TEXT,
            author_id INTEGER REFERENCES authors(id)
        );
        DROP TABLE posts;
        ALTER TABLE posts_new RENAME TO posts;
        """
    )


def test_same_lines_changed_on_both_sides_conflict(project: Project) -> None:
    project.replace(POSTS, ROUTE, EDITED_ROUTE)
    project.replace(POSTS, "            max_length=200,\n", "            max_length=150,  # mine\n")
    _recreate_posts(project, "title VARCHAR(250) NOT NULL")
    result = project.generate()
    assert result.code == 1, result.output
    assert "~ field posts.title: sql_type 'VARCHAR(200)' -> 'VARCHAR(250)'" in result.output
    assert result.output.rstrip().endswith(
        "1 file with conflicts (resolve the <<<<<<< your edit / >>>>>>> dxgen markers):\n"
        "  conflict   app/collections/posts.py (1 conflict to resolve)"
    )
    text = project.read(POSTS)
    assert (
        "<<<<<<< your edit\n"
        "            max_length=150,  # mine\n"
        "=======\n"
        "            max_length=250,\n"
        f">>>>>>> dxgen {__version__}\n"
    ) in text
    assert EDITED_ROUTE in text  # the rest of the user's edits, intact
    assert "types.String(250)" in project.read("app/schema.py")  # other files updated


def test_unresolved_conflict_is_reported_again_and_left_alone(project: Project) -> None:
    project.replace(POSTS, "            max_length=200,\n", "            max_length=150,\n")
    _recreate_posts(project, "title VARCHAR(250) NOT NULL")
    assert project.generate().code == 1
    with_markers = project.read(POSTS)
    result = project.generate()
    assert result.code == 1
    assert "unresolved app/collections/posts.py (resolve its conflict markers first)" in (
        result.output
    )
    assert project.read(POSTS) == with_markers
    project.write(POSTS, _take_theirs(with_markers))
    result = project.generate()
    assert result.code == 0, result.output
    assert "max_length=250," in project.read(POSTS)


def _take_theirs(text: str) -> str:
    """Resolve every conflict in favour of dxgen's side, as a user might in an editor."""
    return re.sub(
        r"<<<<<<< your edit\n.*?=======\n(.*?)>>>>>>> dxgen [^\n]*\n", r"\1", text, flags=re.S
    )


def test_conflict_with_non_ascii_content(tmp_path: Path) -> None:
    project = new_project(
        tmp_path, 'CREATE TABLE café (id INTEGER PRIMARY KEY, "prénom" VARCHAR(20));'
    )
    assert project.generate().code == 0
    module = "app/collections/cafe.py"
    project.replace(module, '            "prénom",\n', '            "prénom",  # ☕ déjà vu\n')
    project.sql(
        'CREATE TABLE c2 (id INTEGER PRIMARY KEY, "prénom_complet" VARCHAR(40));'
        "INSERT INTO c2 SELECT * FROM café; DROP TABLE café; ALTER TABLE c2 RENAME TO café;"
    )
    result = project.generate()
    assert result.code == 1, result.output
    text = project.read(module)
    assert (
        "<<<<<<< your edit\n"
        '            "prénom",  # ☕ déjà vu\n'
        "=======\n"
        '            "prénom_complet",\n'
        f">>>>>>> dxgen {__version__}\n"
    ) in text
    assert "- field café.prénom removed" in result.output


def test_user_owned_hook_survives_dropped_table_and_module_goes(project: Project) -> None:
    project.replace(POSTS_HOOKS, '"""Hooks for', 'MINE = True\n"""Hooks for')
    project.sql("DROP TABLE posts;")
    result = project.generate()
    assert result.code == 0, result.output
    assert "- collection posts removed" in result.output
    assert "remove     app/collections/posts.py (its collection is gone)" in result.output
    assert "keep       app/hooks/posts.py (yours: kept)" in result.output
    assert not (project.out / POSTS).exists()
    assert project.read(POSTS_HOOKS).startswith("MINE = True\n")
    assert "posts" not in project.read("app/collections/__init__.py")
    app = import_package(project.out, "app").create_app({"DB_URL": project.url})
    assert app.test_client().get("/items/authors").status_code == 200


def test_edited_module_of_dropped_table_is_kept_and_reported(project: Project) -> None:
    project.replace(POSTS, ROUTE, EDITED_ROUTE)
    project.sql("DROP TABLE posts;")
    result = project.generate()
    assert result.code == 0, result.output
    assert "keep       app/collections/posts.py (edited, its collection is gone" in result.output
    assert EDITED_ROUTE in project.read(POSTS)
    assert POSTS not in json.loads(project.read(MANIFEST_PATH))["files"]


def test_deleted_files_stay_deleted(project: Project) -> None:
    (project.out / "README.md").unlink()
    (project.out / POSTS_HOOKS).unlink()
    project.sql("ALTER TABLE authors ADD COLUMN email VARCHAR(120);")
    for _ in range(2):
        result = project.generate()
        assert result.code == 0, result.output
        assert not (project.out / "README.md").exists()
        assert not (project.out / POSTS_HOOKS).exists()
    assert '"email",' in project.read("app/collections/authors.py")


def test_dry_run_writes_nothing_and_says_what_would_happen(project: Project) -> None:
    project.replace(POSTS, ROUTE, EDITED_ROUTE)
    project.sql(
        "ALTER TABLE posts ADD COLUMN subtitle VARCHAR(80);"
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);"
    )
    before = project.snapshot()
    result = project.generate("--dry-run")
    assert result.code == 0, result.output
    assert project.snapshot() == before
    lines = result.output.splitlines()
    assert "what would happen to each file:" in lines
    for line in (
        "  merge      app/collections/posts.py (your edits kept)",
        "  create     app/collections/tags.py",
        "  update     app/schema.py",
        "  keep       app/hooks/posts.py (yours)",
        "  unchanged  app/collections/authors.py",
    ):
        assert line in lines, result.output


def test_options_of_the_last_run_are_reused(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    assert project.generate("--package", "blogapi", "--exclude", "authors").code == 0
    result = project.generate()
    assert result.code == 0, result.output
    assert "schema: no changes since the last generation" in result.output
    assert not (project.out / "app").exists()
    assert not (project.out / "blogapi" / "collections" / "authors.py").exists()


def test_a_corrupt_manifest_is_refused(project: Project) -> None:
    project.write(MANIFEST_PATH, "{not json")
    result = project.generate()
    assert result.code == 1
    assert "is not a dxgen manifest" in result.output
