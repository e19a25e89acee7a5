"""The example blog app (SQLite) with dxgen's system tables, roles and SSO settings for the tests.

Provider settings are `AUTH_<NAME>_*` environment variables (a family read through
`Settings.prefixed`), so each app is built with them set in the environment for the duration of
`create_app` only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from flask import Flask

from dxgen.runtime import system
from tests.conftest import generate_app, load_builder

PUBLIC_URL = "http://localhost"
EDITORS = "6f1c1b4e-5c7a-4d39-9a57-000000000001"
READERS = "6f1c1b4e-5c7a-4d39-9a57-000000000002"


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class BlogApp:
    """The generated app's package and its database, ready for SSO-configured instances."""

    package: ModuleType
    url: str

    def create(self, env: Mapping[str, str]) -> Flask:
        settings = {"PUBLIC_URL": PUBLIC_URL, "LOGIN_STALL_TIME": "0", **env}
        with environment(settings):
            return self.package.create_app({"DB_URL": self.url})

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url)

    def user(self, **where: str) -> dict | None:
        users = system.users
        query = sa.select(users).where(*(users.c[k] == v for k, v in where.items()))
        engine = self.engine()
        with engine.connect() as conn:
            row = conn.execute(query).first()
        engine.dispose()
        return dict(row._mapping) if row else None

    def execute(self, statement: sa.Executable) -> None:
        engine = self.engine()
        with engine.begin() as conn:
            conn.execute(statement)
        engine.dispose()


def blog_app(tmp: Path) -> BlogApp:
    """Generates the blog app on a fresh SQLite database with system tables, two roles and a
    read permission on articles for Editors (so tokens can be tried on /items)."""
    url = f"sqlite:///{tmp / 'blog.db'}"
    load_builder().build(url)
    package = generate_app(url, tmp / "app", f"sso_blog_{tmp.name}")
    app = BlogApp(package, url)
    engine = app.engine()
    system.ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(system.roles),
            [{"id": EDITORS, "name": "Editors"}, {"id": READERS, "name": "Readers"}],
        )
        conn.execute(
            sa.insert(system.permissions).values(
                role=EDITORS, collection="articles", action="read", fields="*"
            )
        )
    engine.dispose()
    return app
