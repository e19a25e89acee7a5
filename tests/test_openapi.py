"""The generated openapi.json: a valid OpenAPI 3.1 document that the running app lives up to.

schemathesis generates requests from the document and checks each response against it: no 500s,
only documented status codes and content types, bodies matching their schemas. It runs on its
own copy of the blog database (it creates and deletes rows), a bounded number of examples per
operation, derandomized so a failure reproduces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from werkzeug.exceptions import MethodNotAllowed, NotFound

from dxgen.introspect import introspect
from dxgen.openapi import component_names, document
from tests.auth_helpers import ADMIN_HEADER, bootstrap_url
from tests.conftest import generate_app, load_builder
from tests.e2e.test_awkward_names import build_awkward

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
EXAMPLES_PER_OPERATION = 5
# a login verifies an argon2 hash (about a second of CPU, on purpose): fewer of those
EXAMPLES = {"POST /auth/login": 2}


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The blog app on a SQLite database of its own."""
    tmp = tmp_path_factory.mktemp("openapi")
    url = f"sqlite:///{tmp / 'blog.db'}"
    load_builder().build(url)
    bootstrap_url(url)
    return generate_app(url, tmp / "app", "blog_openapi").create_app(
        {"DB_URL": url, "LOGIN_STALL_TIME": 0}
    )


@pytest.fixture(scope="module")
def spec(fuzzed_app: Flask) -> dict[str, Any]:
    return json.loads((Path(fuzzed_app.root_path) / "openapi.json").read_text())


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_every_collection_has_paths_and_a_component(spec: dict[str, Any]) -> None:
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    assert set(paths["/items/articles"]) == {"get", "post", "patch", "delete"}
    assert set(paths["/items/articles/{key}"]) == {"get", "patch", "delete"}
    assert set(paths["/items/published_articles"]) == {"get"}  # a view is read-only
    assert "/items/page_views/{key}" not in paths  # no primary key: list only
    assert "ItemsArticleTranslations" in schemas
    for path in ("/server/health", "/collections/{collection}", "/auth/login", "/users/me"):
        assert path in paths


def test_field_types_follow_our_wire_format(spec: dict[str, Any]) -> None:
    articles = spec["components"]["schemas"]["ItemsArticles"]["properties"]
    assert articles["id"] == {"type": "integer", "readOnly": True}
    assert articles["price"]["type"] == ["string", "null"]  # decimals are strings
    assert articles["big_counter"]["type"] == ["string", "null"]  # so are big integers
    assert articles["title"] == {"type": "string", "maxLength": 200}
    assert articles["updated_at"]["format"] == "date-time"
    assert articles["author_id"] == {
        "anyOf": [{"type": "integer"}, {"$ref": "#/components/schemas/ItemsAuthors"}]
    }
    assert articles["tags"]["type"] == "array"  # many-to-many: junction rows or their keys
    assert articles["tags"]["items"]["anyOf"][1] == {
        "$ref": "#/components/schemas/ItemsArticlesTags"
    }


def test_the_document_is_deterministic(fuzzed_app: Flask) -> None:
    url = fuzzed_app.extensions["dxgen"].settings.db_url
    model = introspect(url)
    assert json.dumps(document(model, "app"), sort_keys=True) == json.dumps(
        document(introspect(url), "app"), sort_keys=True
    )


def test_component_names_stay_unique_when_names_differ_in_case(fuzzed_app: Flask) -> None:
    model = introspect(fuzzed_app.extensions["dxgen"].settings.db_url)
    names = component_names(model)
    assert len(set(names.values())) == len(names)
    assert names["articles_tags"] == "ItemsArticlesTags"


def routed(app: Flask, path: str, method: str) -> bool:
    """Whether the app serves `method path` (auth routes exist only once auth is installed)."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.replace("{", "").replace("}", ""), method=method.upper())
    except (NotFound, MethodNotAllowed):
        return False
    return True


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Flask) -> Any:
    schema = schemathesis.openapi.from_wsgi("/server/specs/oas", fuzzed_app)
    unrouted = [
        (op.path, op.method)
        for op in (result.ok() for result in schema.get_all_operations())
        if not routed(fuzzed_app, op.path, op.method)
    ]
    for path, method in unrouted:
        schema = schema.exclude(path=path, method=method)
    return schema


def test_the_app_lives_up_to_its_document(api_schema: Any) -> None:
    """Every operation, a bounded number of generated requests each; all failures reported."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES.get(operation.label, EXAMPLES_PER_OPERATION),
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(checks=CHECKS, headers=ADMIN_HEADER)

        try:
            check()
        except (AssertionError, FailureGroup) as error:  # collect all: one run shows every one
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


def test_awkward_names_give_a_valid_document_whose_paths_route(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'awkward.db'}"
    build_awkward(url)
    app = generate_app(url, tmp_path / "app", "awkward_openapi").create_app({"DB_URL": url})
    spec = json.loads((Path(app.root_path) / "openapi.json").read_text())
    validate(spec)
    lists = [path for path in spec["paths"] if path.startswith("/items/") and "{" not in path]
    assert "/items/Order%20Lines" in lists
    client = app.test_client()
    for path in lists:
        assert client.get(path).status_code == 200, path
    properties = spec["components"]["schemas"]["ItemsOrderLines"]["properties"]
    assert properties["unit-price"]["type"] == "string"
