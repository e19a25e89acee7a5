"""Writes are transactions: a failing batch changes nothing, and deadlocks are retried.

Batch atomicity runs on every backend through the `blog` fixture. The retry path is proven with
a real deadlock on PostgreSQL and MariaDB: two connections lock two rows in opposite order, the
database aborts one, and `run_in_transaction` runs the loser again.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from dxgen.runtime.db import run_in_transaction
from dxgen.runtime.dberrors import CONFLICT_REASON, translate
from tests.conftest import Blog, assert_error
from tests.services import fresh_database

_counter = itertools.count()


def _name(prefix: str) -> str:
    return f"tx-{prefix}-{next(_counter)}"


@pytest.fixture
def two_tags(blog: Blog) -> Iterator[list[dict[str, object]]]:
    body = [{"name": _name("a")}, {"name": _name("b")}]
    created = blog.client.post("/items/tags?fields=id,name", json=body).get_json()["data"]
    yield created
    blog.client.delete("/items/tags", json=[row["id"] for row in created])


def _tags(blog: Blog, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    keys = ",".join(str(row["id"]) for row in rows)
    response = blog.get(f"/items/tags?fields=id,name&filter[id][_in]={keys}&sort=id")
    return response.get_json()["data"]


def test_batch_update_is_all_or_nothing(blog: Blog, two_tags: list[dict[str, object]]) -> None:
    """The second item takes another tag's name: the first rename is rolled back."""
    first, second = two_tags
    taken = blog.get("/items/tags?fields=name&sort=id&limit=1").get_json()["data"][0]["name"]
    body = [{"id": first["id"], "name": _name("renamed")}, {"id": second["id"], "name": taken}]
    assert_error(blog.client.patch("/items/tags", json=body), 400, "RECORD_NOT_UNIQUE")
    assert _tags(blog, two_tags) == two_tags


def test_update_by_keys_is_all_or_nothing(blog: Blog, two_tags: list[dict[str, object]]) -> None:
    """One name for two rows of a unique column: the first row written must not stay written."""
    body = {"keys": [row["id"] for row in two_tags], "data": {"name": _name("same")}}
    assert_error(blog.client.patch("/items/tags", json=body), 400, "RECORD_NOT_UNIQUE")
    assert _tags(blog, two_tags) == two_tags


def test_batch_delete_is_all_or_nothing(blog: Blog) -> None:
    """A free author and one with articles (restricted by a foreign key): neither goes."""
    body = {
        "name": "Transient",
        "email": f"{_name('mail')}@example.com",
        "created_at": "2024-01-01T00:00:00Z",
    }
    free = blog.client.post("/items/authors", json=body).get_json()["data"]["id"]
    try:
        response = blog.client.delete("/items/authors", json=[free, 1])
        assert response.status_code == 400, response.get_data(as_text=True)
        remaining = blog.get(f"/items/authors?fields=id&filter[id][_in]={free},1&sort=id")
        assert remaining.get_json()["data"] == [{"id": 1}, {"id": free}]
    finally:
        blog.client.delete(f"/items/authors/{free}")


def test_batch_create_across_rows_is_all_or_nothing(blog: Blog) -> None:
    """A valid row, then one whose foreign key has no parent: the valid row is not kept."""
    slug = _name("slug")
    body = [
        {"title": "kept?", "slug": slug, "author_id": 1},
        {"title": "orphan", "slug": _name("slug"), "author_id": 999_999},
    ]
    assert_error(blog.client.post("/items/articles", json=body), 400, "INVALID_FOREIGN_KEY")
    assert blog.get(f"/items/articles?filter[slug][_eq]={slug}").get_json()["data"] == []


# -- deadlocks ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def locks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp(f"locks_{request.param}")
    with fresh_database(request.param, tmp) as url:
        engine = sa.create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def _reset(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS locks")
        conn.exec_driver_sql("CREATE TABLE locks (id integer PRIMARY KEY, n integer NOT NULL)")
        conn.exec_driver_sql("INSERT INTO locks (id, n) VALUES (1, 0), (2, 0)")


@dataclass
class CrossedWriters:
    """Two transactions that each increment both rows, in opposite order, meeting in the middle
    (after the first row, before the second) on their first attempt only."""

    engine: Engine
    retries: int
    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=20))
    attempts: list[int] = field(default_factory=list)
    failures: list[exc.DBAPIError] = field(default_factory=list)

    def work(self, order: tuple[int, int]) -> Callable[[Connection], None]:
        tries = 0

        def transaction(conn: Connection) -> None:
            nonlocal tries
            tries += 1
            self.attempts.append(order[0])
            conn.exec_driver_sql(f"UPDATE locks SET n = n + 1 WHERE id = {order[0]}")
            if tries == 1:
                self.barrier.wait()
            conn.exec_driver_sql(f"UPDATE locks SET n = n + 1 WHERE id = {order[1]}")

        return transaction

    def run(self) -> None:
        threads = [threading.Thread(target=self._one, args=(order,)) for order in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    def _one(self, order: tuple[int, int]) -> None:
        try:
            run_in_transaction(self.engine, self.work(order), retries=self.retries)
        except exc.DBAPIError as error:
            self.failures.append(error)


def _counts(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT n FROM locks ORDER BY id")]


def test_deadlock_is_retried(locks: Engine) -> None:
    _reset(locks)
    writers = CrossedWriters(locks, retries=3)
    writers.run()
    assert writers.failures == []
    assert len(writers.attempts) == 3  # both first attempts, and the deadlock loser's retry
    assert _counts(locks) == [2, 2]  # both transactions applied, each exactly once


def test_deadlock_without_retries_is_a_clear_503(locks: Engine) -> None:
    _reset(locks)
    writers = CrossedWriters(locks, retries=0)
    writers.run()
    assert len(writers.failures) == 1
    error = translate(writers.failures[0], "locks")
    assert error is not None
    assert (error.status, error.code) == (503, "SERVICE_UNAVAILABLE")
    assert error.extensions == {"service": "database", "reason": CONFLICT_REASON}
    assert _counts(locks) == [1, 1]  # the winner applied, the loser rolled back entirely
