"""The official `@directus/sdk` drives a generated app over HTTP exactly as it drives Directus:
login, refresh, filtered relational reads, create, update, delete, logout."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest

from tests.auth_helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.conftest import ROOT, Blog
from tests.httpserver import serving
from tests.nodeenv import node_modules

NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture
def served(blog: Blog) -> Iterator[str]:
    app = blog.variant(LOGIN_STALL_TIME=0)
    try:
        with serving(app) as base:
            yield base
    finally:
        app.extensions["dxgen"].engine.dispose()


def test_directus_sdk_round_trip(served: str) -> None:
    node_modules()
    result = subprocess.run(
        ["node", "auth_sdk.mjs", served, ADMIN_EMAIL, ADMIN_PASSWORD],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["login"]["expires"] == 900000 and out["login"]["access_token"]
    assert out["rotated"] is True
    assert out["me"]["email"] == ADMIN_EMAIL
    articles = out["articles"]
    assert len(articles) == 3 and articles[0]["id"] > articles[1]["id"] > articles[2]["id"]
    assert all(set(a) == {"id", "title", "author_id", "tags"} for a in articles)
    assert all(a["author_id"] is None or set(a["author_id"]) == {"name"} for a in articles)
    assert all(set(t) == {"tags_id"} for a in articles for t in a["tags"])
    assert out["created"]["name"] == "from-sdk"
    assert out["updated"]["name"] == "from-sdk-renamed" == out["read"]["name"]
    assert out["afterDelete"] == "FORBIDDEN"
    assert out["unknown"] == "FORBIDDEN"
    assert out["afterLogout"] in ("INVALID_CREDENTIALS", "INVALID_PAYLOAD")
