"""Shared fixtures: the example blog database on every backend, generated into a temp app."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dxgen.introspect import introspect
from dxgen.plan import plan
from dxgen.render import render
from tests.auth_helpers import AdminClient
from tests.services import BACKENDS, fresh_database

# Generated apps refuse to start without SECRET outside development; tests sign with this one.
os.environ.setdefault("SECRET", "dxgen-test-secret-0123456789abcdef0123456789")
# The suite makes thousands of requests a second; rate-limit tests switch the limiter on per app.
os.environ.setdefault("RATE_LIMITER_ENABLED", "false")

# Every generated app enforces permissions: test clients act as a bootstrapped admin unless a
# test asks for `tests.auth_helpers.anonymous(app)`.
Flask.test_client_class = AdminClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "blog"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite golden files (examples/blog generated app) instead of comparing",
    )


def load_builder() -> ModuleType:
    """examples/blog/build_db.py, imported by path (it is an example, not a package)."""
    spec = importlib.util.spec_from_file_location("blog_build_db", EXAMPLE / "build_db.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_app(url: str, out: Path, package: str) -> ModuleType:
    """Generate the app for `url` into `out` and import its package."""
    from dxgen.emit import emit

    model = introspect(url)
    owners = {f.path: f.owner for f in plan(model, package).files}
    emit(out, render(model, package), owners, force=True)
    return import_package(out, package)


def import_package(out: Path, package: str) -> ModuleType:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


@dataclass
class Blog:
    """The example database on one backend and the app generated from it."""

    backend: str
    url: str
    app: Flask
    out: Path

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def variant(self, **settings: Any) -> Flask:
        """Another app on the same database with some settings changed."""
        package = import_package(self.out.parent / "app", f"blog_{self.backend}")
        return package.create_app({"DB_URL": self.url, **settings})


@pytest.fixture(scope="session", params=BACKENDS)
def blog(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Blog]:
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"blog_{backend}")
    with fresh_database(backend, tmp) as url:
        load_builder().build(url)
        package = f"blog_{backend}"
        module = generate_app(url, tmp / "app", package)
        app = module.create_app({"DB_URL": url})
        yield Blog(backend, url, app, tmp / "app")
        app.extensions["dxgen"].engine.dispose()


@pytest.fixture
def client(blog: Blog) -> FlaskClient:
    return blog.client


def errors_of(response: Any) -> list[dict[str, Any]]:
    """The Directus error envelope of a response, checked for shape on the way."""
    body = response.get_json()
    assert set(body) == {"errors"}, body
    for error in body["errors"]:
        assert set(error) == {"message", "extensions"}, error
        assert "code" in error["extensions"], error
    return body["errors"]


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = errors_of(response)[0]
    assert error["extensions"]["code"] == code, error
    if message is not None:
        assert error["message"] == message, error
