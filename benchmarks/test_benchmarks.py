"""Fast checks of the benchmark suite itself: `.venv/bin/pytest benchmarks`.

The load numbers cannot be tested, but what they rest on can: the data is deterministic at the
documented scale ratios, the reference answers every read query with exactly the generated app's
bytes, and the wrk output parser reads what wrk prints.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks import data
from benchmarks.appgen import generate_app, grant_public_access
from benchmarks.load import parse
from benchmarks.queries import QUERIES, identity
from benchmarks.run import COLLECTIONS
from benchmarks.targets import target_env

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8100/items/articles?limit=10
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.21ms    1.02ms  12.50ms   80.00%
    Req/Sec   950.00     50.00     1.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    4.50ms
     90%    5.10ms
     99%    1.20s
  1900 requests in 2.00s, 3.10MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    950.00
Transfer/sec:      1.55MB
"""


def test_rows_follow_the_scale_and_are_deterministic() -> None:
    first = dict(data.rows(500))
    assert {name: len(rows) for name, rows in first.items()} == {
        "authors": 5,
        "tags": 20,
        "articles": 500,
        "comments": 1500,
        "articles_tags": 1000,
    }
    assert dict(data.rows(500)) == first
    pairs = [(a, t) for _, a, t in first["articles_tags"]]
    assert len(set(pairs)) == len(pairs)


def test_wrk_output_is_parsed_with_units() -> None:
    result = parse(WRK_OUTPUT)
    assert (result.requests, result.errors, result.seconds) == (1900, 3, 2.0)
    assert (result.p50_ms, result.p99_ms) == (0.812, 1200.0)
    assert result.rate == 950.0


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{tmp / 'bench.db'}"
    data.build(url, 5000)  # enough for q4's item and a few titles matching q6
    generate_app(url, tmp / "api")
    grant_public_access(tmp / "api", target_env(url), COLLECTIONS, ("articles",))
    saved = dict(os.environ)
    os.environ.update(target_env(url))
    sys.path.insert(0, str(tmp / "api"))
    try:
        generated = importlib.import_module("app").create_app()
        from benchmarks.reference.app import create_app

        yield {"dxgen": generated.test_client(), "reference": create_app().test_client()}
    finally:
        sys.path.remove(str(tmp / "api"))
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize("query", [q for q in QUERIES if not q.writes], ids=lambda q: q.name)
def test_reference_answers_with_the_generated_apps_bytes(clients: dict[str, Any], query) -> None:
    generated = clients["dxgen"].get(query.path)
    reference = clients["reference"].get(query.path)
    assert generated.status_code == reference.status_code == 200
    assert identity(reference.get_json())["ids"], "the query must return rows to compare"
    assert reference.data == generated.data
