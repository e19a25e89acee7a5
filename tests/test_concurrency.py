"""Concurrent PATCHes through 4 gunicorn workers never lose an acknowledged update.

For PATCH, "acknowledged" means a 200: from then on the fields it sent hold its values until
another acknowledged write replaces them. Two ways to lose one are checked on PostgreSQL and
MariaDB:

- writers of *different* fields of one row overwrite each other (an implementation that reads the
  row, merges and writes it all back would): every field must end at its writer's last value;
- a batch touching several rows is applied partly, or interleaved with another batch: batches
  written in opposite row orders (so the database sees real deadlocks) must leave every row with
  the tag of one and the same acknowledged batch, and no reader ever sees a mix.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dxgen.runtime.dberrors import CONFLICT_REASON
from tests.auth_helpers import bootstrap_url
from tests.conftest import generate_app
from tests.services import fresh_database
from tests.test_server_process import _call, gunicorn

WORKERS = 4
FIELDS = ("a", "b", "c", "d")
ROWS = (1, 2, 3, 4)
ROUNDS = 15
CROSSED_ROUNDS = 5  # each crossed round may cost PostgreSQL a deadlock_timeout (1 s)
# A crossed batch can wait behind several deadlocks (PostgreSQL detects one after
# deadlock_timeout, 1 s by default) and up to 3 retries before it is answered.
PATIENCE = 60


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp(f"concurrency_{request.param}")
    with fresh_database(request.param, tmp) as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            columns = ", ".join(f"{name} integer NOT NULL DEFAULT 0" for name in FIELDS)
            conn.exec_driver_sql(
                f"CREATE TABLE counters (id integer PRIMARY KEY, {columns}, tag varchar(40))"
            )
            rows = ", ".join(f"({key})" for key in ROWS)
            conn.exec_driver_sql(f"INSERT INTO counters (id) VALUES {rows}")
        engine.dispose()
        bootstrap_url(url)
        generate_app(url, tmp / "api", "concurrency_app")
        with gunicorn(tmp / "api", {"DB_URL": url}, workers=WORKERS) as base:
            yield base, tmp / "gunicorn.log"


def _in_threads(count: int, target: Callable[[int], None]) -> None:
    """Run `target(i)` in `count` threads started together; re-raise the first failure."""
    failures: list[BaseException] = []
    start = threading.Barrier(count, timeout=30)

    def run(index: int) -> None:
        try:
            start.wait()
            target(index)
        except BaseException as error:  # reported in the main thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    if failures:
        raise failures[0]


def _rows(base: str) -> list[dict[str, object]]:
    status, _, body = _call(
        "GET", f"{base}/items/counters?sort=id&fields=id,{','.join(FIELDS)},tag"
    )
    assert status == 200, body
    return json.loads(body)["data"]


def test_writers_of_different_fields_do_not_overwrite_each_other(
    server: tuple[str, Path],
) -> None:
    base, _ = server

    def writer(index: int) -> None:
        name = FIELDS[index]
        for value in range(1, ROUNDS + 1):
            url = f"{base}/items/counters/1?fields={name}"
            status, _, body = _call("PATCH", url, {name: value}, timeout=PATIENCE)
            assert (status, json.loads(body)) == (200, {"data": {name: value}}), body

    _in_threads(len(FIELDS), writer)
    row = _rows(base)[0]
    assert {name: row[name] for name in FIELDS} == dict.fromkeys(FIELDS, ROUNDS)


def test_crossed_batches_are_atomic_and_none_is_lost(server: tuple[str, Path]) -> None:
    base, log = server
    acknowledged: set[str] = set()
    conflicts: list[str] = []

    def writer(index: int) -> None:
        order = ROWS if index % 2 == 0 else tuple(reversed(ROWS))
        for round_ in range(CROSSED_ROUNDS):
            tag = f"w{index}-{round_}"
            batch = [{"id": key, "tag": tag} for key in order]
            url = f"{base}/items/counters?fields=id"
            status, _, body = _call("PATCH", url, batch, timeout=PATIENCE)
            if status == 503:  # a conflict that outlived the retries: nothing applied
                reason = json.loads(body)["errors"][0]["extensions"]["reason"]
                assert reason == CONFLICT_REASON, body
                conflicts.append(tag)
                continue
            assert status == 200, body
            acknowledged.add(tag)
            tags = {row["tag"] for row in _rows(base)}
            assert len(tags) == 1, f"a reader saw a partly applied batch: {tags}"

    _in_threads(WORKERS, writer)
    final = {row["tag"] for row in _rows(base)}
    assert len(final) == 1 and final <= acknowledged, (final, len(acknowledged))
    assert not final & set(conflicts)
    retries = log.read_text().count("transaction conflict, retry")
    print(f"{len(acknowledged)} acknowledged, {len(conflicts)} answered 503, {retries} retries")
