"""Regeneration scenarios: a real SQLite database and a generated app in a temp directory, driven
through the `dxgen` command line in-process (Click's CliRunner), as a user would."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from dxgen.cli import main

SCHEMA = """
CREATE TABLE authors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(100) NOT NULL
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title VARCHAR(200) NOT NULL,
    body TEXT,
    author_id INTEGER REFERENCES authors(id)
);
"""


@dataclass
class Result:
    code: int
    output: str


@dataclass
class Project:
    """A database and the app generated from it."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "db.sqlite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def out(self) -> Path:
        return self.root / "api"

    def sql(self, script: str) -> None:
        with sqlite3.connect(self.db) as conn:
            conn.executescript(script)

    def dxgen(self, command: str, *args: str) -> Result:
        argv = [command, "--db", self.url, "--out", str(self.out), *args]
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
        return Result(result.exit_code, result.output)

    def generate(self, *args: str) -> Result:
        return self.dxgen("generate", *args)

    def read(self, path: str) -> str:
        return (self.out / path).read_text(encoding="utf-8")

    def write(self, path: str, text: str) -> None:
        (self.out / path).write_text(text, encoding="utf-8")

    def replace(self, path: str, old: str, new: str) -> None:
        """Edit a file as a user would; the text to replace must be there exactly once."""
        text = self.read(path)
        assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
        self.write(path, text.replace(old, new))

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        """Every file of the app: its bytes and modification time (a rewrite changes it)."""
        return {
            str(p.relative_to(self.out)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(self.out.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }


def new_project(root: Path, schema: str = SCHEMA) -> Project:
    project = Project(root)
    project.sql(schema)
    return project
