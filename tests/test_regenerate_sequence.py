"""Done when: ten schema changes in a row, with user edits at every step, end with every user edit
present, every schema change reflected, and conflicts only where both sides touched the same lines.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import import_package
from tests.scenario import SCHEMA, Project, new_project

POSTS = "app/collections/posts.py"


@dataclass(frozen=True)
class Edit:
    """A user's edit: `new` replaces `old` in `path` (or is appended when `old` is empty)."""

    path: str
    new: str
    old: str = ""

    def apply(self, project: Project) -> None:
        if self.old:
            project.replace(self.path, self.old, self.new)
        else:
            project.write(self.path, project.read(self.path) + self.new)


@dataclass(frozen=True)
class Step:
    migration: str
    edit: Edit
    conflicts: tuple[str, ...] = ()  # files where the user and the schema touch the same lines


def _rebuild_posts(title: str) -> str:
    return f"""
        CREATE TABLE posts_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title {title},
            author_id INTEGER REFERENCES authors(id),
            subtitle VARCHAR(80)
        );
        INSERT INTO posts_new SELECT id, title, author_id, subtitle FROM posts;
        DROP TABLE posts;
        ALTER TABLE posts_new RENAME TO posts;
    """


STEPS = (
    Step(
        "ALTER TABLE posts ADD COLUMN subtitle VARCHAR(80);",
        Edit(
            POSTS,
            "    response = endpoints.read_many(COLLECTION, HOOKS)\n"
            '    response.headers["X-Edited"] = "step 1"\n'
            "    return response\n",
            "    return endpoints.read_many(COLLECTION, HOOKS)\n",
        ),
    ),
    Step(
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(40) NOT NULL);",
        Edit(
            "app/hooks/posts.py",
            "\n\ndef after_read(items, context):\n"
            "    return [{**item, 'hooked': True} for item in items]\n",
        ),
    ),
    Step(
        "ALTER TABLE authors ADD COLUMN email VARCHAR(120);",
        Edit("app/__init__.py", "\n\ndef version_banner() -> str:\n    return 'step 3'\n"),
    ),
    Step(
        "CREATE TABLE posts_tags (id INTEGER PRIMARY KEY,"
        " posts_id INTEGER REFERENCES posts(id), tags_id INTEGER REFERENCES tags(id));",
        Edit(
            "app/collections/tags.py",
            '    """One tag (step 4). 403 FORBIDDEN when it does not exist."""\n',
            '    """One item. 403 FORBIDDEN when it does not exist."""\n',
        ),
    ),
    Step(
        "ALTER TABLE tags ADD COLUMN color VARCHAR(7);",
        Edit(
            "README.md",
            "# A Directus-compatible REST API\n\nOur team's notes (step 5).\n",
            "# A Directus-compatible REST API\n",
        ),
    ),
    Step(
        "ALTER TABLE posts DROP COLUMN body;",
        Edit(
            "app/collections/authors.py",
            '    """Delete one author (step 6). 204 No Content."""\n',
            '    """Delete one item. 204 No Content."""\n',
        ),
    ),
    Step(
        "CREATE TABLE comments (id INTEGER PRIMARY KEY,"
        " post_id INTEGER NOT NULL REFERENCES posts(id), content TEXT NOT NULL);",
        Edit(
            "app/settings.py",
            'SETTINGS: dict[str, Any] = {"QUERY_LIMIT_DEFAULT": 50}  # step 7\n',
            "SETTINGS: dict[str, Any] = {}\n",
        ),
    ),
    Step(
        _rebuild_posts("VARCHAR(300) NOT NULL"),
        Edit(
            POSTS,
            "            max_length=200,  # checked by the form (step 8)\n",
            "            max_length=200,\n",
        ),
        conflicts=(POSTS,),
    ),
    Step(
        "DROP TABLE audit;",
        Edit("app/hooks/tags.py", "\n\ndef before_delete(keys, context):\n    return None\n"),
    ),
    Step(
        "ALTER TABLE authors RENAME COLUMN name TO full_name;",
        Edit("app/hooks/comments.py", "\nSTEP = 10\n"),
    ),
)
AUDIT_EDIT = Edit("app/collections/audit.py", "\n# audit notes (step 0)\n")


def _resolve(project: Project, path: str) -> str:
    """Resolve the one conflict as a user would: dxgen's new length, the user's comment."""
    text = project.read(path)
    start, end = text.index("<<<<<<< your edit\n"), text.index(">>>>>>> dxgen")
    end = text.index("\n", end) + 1
    resolved = "            max_length=300,  # checked by the form (step 8)\n"
    project.write(path, text[:start] + resolved + text[end:])
    return resolved


def _columns(project: Project) -> dict[str, list[str]]:
    with sqlite3.connect(project.db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
            for t in tables
            if not t.startswith("sqlite_")
        }


def test_ten_schema_changes_with_user_edits_at_every_step(tmp_path: Path) -> None:
    project = new_project(tmp_path, SCHEMA + "CREATE TABLE audit (id INTEGER PRIMARY KEY);")
    assert project.generate().code == 0
    AUDIT_EDIT.apply(project)
    kept = [AUDIT_EDIT]
    for number, step in enumerate(STEPS, start=1):
        step.edit.apply(project)
        kept.append(step.edit)
        project.sql(step.migration)
        result = project.generate()
        conflicted = tuple(
            line.split()[1] for line in result.output.splitlines() if line.startswith("  conflict")
        )
        assert conflicted == tuple(p for p in step.conflicts for _ in (0, 1)), (
            f"step {number}: {result.output}"
        )  # each conflict is listed twice: among the files, and again at the end
        assert result.code == (1 if step.conflicts else 0), f"step {number}: {result.output}"
        for path in step.conflicts:
            kept[-1] = Edit(path, _resolve(project, path))
        for edit in kept:
            assert edit.new in project.read(edit.path), f"step {number}: lost {edit}"

    assert "audit" not in project.read("app/collections/__init__.py")
    package = import_package(project.out, "app")
    app = package.create_app({"DB_URL": project.url})
    served = {m.COLLECTION.name: m.COLLECTION for m in package.collections.COLLECTION_MODULES}
    columns = _columns(project)
    assert sorted(served) == sorted(columns)
    for name, collection in served.items():
        assert [f.name for f in collection.fields] == columns[name], name
    project.sql("INSERT INTO authors (full_name) VALUES ('Ada');")
    project.sql("INSERT INTO posts (title, author_id) VALUES ('Hi', 1);")
    response = app.test_client().get("/items/posts?fields=title,author_id.full_name")
    assert response.headers["X-Edited"] == "step 1"
    assert response.get_json()["data"] == [
        {"title": "Hi", "author_id": {"full_name": "Ada"}, "hooked": True}
    ]
    assert project.dxgen("check").code == 0
