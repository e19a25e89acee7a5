"""Names a database allows and Python does not: the generated app must still import, lint clean,
and serve every table under its real name, with the real column names as JSON keys.

On each backend: `Order Lines` (space, capitals) with a `unit-price` column, `2fa_codes` (leading
digit), `class` (reserved word) with a `from` column, `Users` beside `users` (where the backend
keeps them apart), a composite-key table `Stock Levels`, a view `Big Orders` and a table without a
primary key, `audit log`, with a column named `order`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import assert_error, generate_app
from tests.services import BACKENDS, fresh_database

RUFF = Path(sys.executable).parent / "ruff"
FORBIDDEN = "You don't have permission to access this."
MYSQL = {"mysql_charset": "utf8mb4"}


def _schema() -> tuple[sa.MetaData, sa.Table]:
    """Every table except `users`, which is created apart (SQLite cannot hold it beside `Users`)."""
    md = sa.MetaData()
    sa.Table(
        "Order Lines",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("product", sa.String(50), nullable=False),
        sa.Column("unit-price", sa.Numeric(10, 2), nullable=False),
        sa.Column("qty", sa.Integer, nullable=False),
        **MYSQL,
    )
    sa.Table(
        "2fa_codes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(10), nullable=False),
        **MYSQL,
    )
    sa.Table(
        "class",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("from", sa.String(20), nullable=True),
        **MYSQL,
    )
    sa.Table(
        "Users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(20), nullable=False),
        **MYSQL,
    )
    sa.Table(
        "Stock Levels",
        md,
        sa.Column("warehouse", sa.String(20), primary_key=True),
        sa.Column("bin", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("on-hand", sa.Integer, nullable=False),
        **MYSQL,
    )
    sa.Table(
        "audit log",
        md,
        sa.Column("event", sa.String(50), nullable=False),
        sa.Column("order", sa.Integer, nullable=False),
        **MYSQL,
    )
    lower_users = sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(20), nullable=False),
        **MYSQL,
    )
    return md, lower_users


SEED: dict[str, list[dict[str, Any]]] = {
    # No ids: the database numbers them 1, 2, 3 (PostgreSQL's sequence stays in step for creates).
    "Order Lines": [
        {"product": "Widget", "unit-price": "2.50", "qty": 10},
        {"product": "Gadget", "unit-price": "12.00", "qty": 1},
        {"product": "Gizmo", "unit-price": "7.25", "qty": 25},
    ],
    "2fa_codes": [{"id": 1, "code": "123456"}, {"id": 2, "code": "654321"}],
    "class": [{"id": 1, "from": "Paris"}, {"id": 2, "from": None}],
    "Users": [{"id": 1, "name": "Ada"}],
    "users": [{"id": 1, "name": "bob"}, {"id": 2, "name": "cy"}],
    "Stock Levels": [
        {"warehouse": "A", "bin": 1, "on-hand": 5},
        {"warehouse": "A", "bin": 2, "on-hand": 0},
        {"warehouse": "B", "bin": 1, "on-hand": 12},
    ],
    "audit log": [{"event": "created", "order": 1}, {"event": "deleted", "order": 2}],
}


def _create_lower_users(engine: sa.Engine, table: sa.Table) -> bool:
    """Create `users` beside `Users`; False where the backend folds the two names into one."""
    try:
        with engine.begin() as conn:
            table.create(conn, checkfirst=False)
            conn.execute(table.insert(), SEED["users"])
    except sa.exc.DBAPIError:
        return False
    return True


def build_awkward(url: str) -> bool:
    """Create and fill the tables and the view; True if `users` exists beside `Users`."""
    md, lower_users = _schema()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            md.create_all(conn)
            for name, rows in SEED.items():
                if name in md.tables:
                    conn.execute(md.tables[name].insert(), rows)
            q = engine.dialect.identifier_preparer.quote
            conn.exec_driver_sql(
                f"CREATE VIEW {q('Big Orders')} AS SELECT {q('id')}, {q('product')}, "
                f"{q('unit-price')} FROM {q('Order Lines')} WHERE {q('qty')} >= 10"
            )
        return _create_lower_users(engine, lower_users)
    finally:
        engine.dispose()


@dataclass
class Awkward:
    backend: str
    module: ModuleType
    out: Path
    client: FlaskClient
    both_users: bool

    def get(self, collection: str, key: str = "", pairs: Sequence[tuple[str, str]] = ()) -> Any:
        return self.client.get(_path(collection, key, pairs))


def _path(collection: str, key: str = "", pairs: Sequence[tuple[str, str]] = ()) -> str:
    path = f"/items/{quote(collection)}"
    if key:
        path += f"/{quote(key, safe=',')}"
    return f"{path}?{urlencode(pairs)}" if pairs else path


@pytest.fixture(scope="module", params=BACKENDS)
def awkward(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Awkward]:
    backend: str = request.param
    tmp: Path = tmp_path_factory.mktemp(f"awkward_{backend}")
    with fresh_database(backend, tmp) as url:
        both_users = build_awkward(url)
        module = generate_app(url, tmp / "app", f"awkward_{backend}")
        app = module.create_app({"DB_URL": url})
        try:
            yield Awkward(backend, module, tmp / "app", app.test_client(), both_users)
        finally:
            app.extensions["dxgen"].engine.dispose()


def _data(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["data"]


# -- the generated package ------------------------------------------------------------------------

ALWAYS = ["2fa_codes", "Big Orders", "Order Lines", "Stock Levels", "Users", "audit log", "class"]


def test_package_imports_and_serves_every_collection(awkward: Awkward) -> None:
    names = sorted(m.COLLECTION.name for m in awkward.module.collections.COLLECTION_MODULES)
    expected = sorted([*ALWAYS, "users"]) if awkward.both_users else sorted(ALWAYS)
    assert names == expected


def test_generated_code_is_ruff_clean(awkward: Awkward) -> None:
    result = subprocess.run(
        [str(RUFF), "check", "--isolated", "--no-cache", "."],
        cwd=awkward.out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- reading every table under its real name ------------------------------------------------------

ORDER_LINES = [
    {"id": 1, "product": "Widget", "unit-price": "2.50", "qty": 10},
    {"id": 2, "product": "Gadget", "unit-price": "12.00", "qty": 1},
    {"id": 3, "product": "Gizmo", "unit-price": "7.25", "qty": 25},
]

LISTINGS: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("Order Lines", "id", ORDER_LINES),
    ("2fa_codes", "id", [{"id": 1, "code": "123456"}, {"id": 2, "code": "654321"}]),
    ("class", "id", [{"id": 1, "from": "Paris"}, {"id": 2, "from": None}]),
    ("Users", "id", [{"id": 1, "name": "Ada"}]),
    (
        "Stock Levels",
        "warehouse,bin",
        [
            {"warehouse": "A", "bin": 1, "on-hand": 5},
            {"warehouse": "A", "bin": 2, "on-hand": 0},
            {"warehouse": "B", "bin": 1, "on-hand": 12},
        ],
    ),
    (
        "Big Orders",
        "id",
        [
            {"id": 1, "product": "Widget", "unit-price": "2.50"},
            {"id": 3, "product": "Gizmo", "unit-price": "7.25"},
        ],
    ),
    ("audit log", "order", [{"event": "created", "order": 1}, {"event": "deleted", "order": 2}]),
]


@pytest.mark.parametrize(
    ("collection", "sort", "expected"), [pytest.param(*case, id=case[0]) for case in LISTINGS]
)
def test_list(awkward: Awkward, collection: str, sort: str, expected: list[dict[str, Any]]) -> None:
    assert _data(awkward.get(collection, pairs=[("sort", sort)])) == expected


def test_users_and_users_are_two_collections(awkward: Awkward) -> None:
    if not awkward.both_users:
        pytest.skip(f"{awkward.backend} folds `Users` and `users` into one table name")
    assert _data(awkward.get("Users")) == [{"id": 1, "name": "Ada"}]
    assert _data(awkward.get("users", pairs=[("sort", "id")])) == [
        {"id": 1, "name": "bob"},
        {"id": 2, "name": "cy"},
    ]


QUERIES: list[tuple[str, str, list[tuple[str, str]], list[dict[str, Any]]]] = [
    (
        "filter and sort by unit-price",
        "Order Lines",
        [("filter[unit-price][_gt]", "5"), ("sort", "-unit-price"), ("fields", "id,unit-price")],
        [{"id": 2, "unit-price": "12.00"}, {"id": 3, "unit-price": "7.25"}],
    ),
    (
        "JSON filter on unit-price",
        "Order Lines",
        [("filter", '{"unit-price":{"_lte":7.25}}'), ("sort", "unit-price"), ("fields", "id")],
        [{"id": 1}, {"id": 3}],
    ),
    (
        "fields[] with unit-price",
        "Order Lines",
        [("fields[]", "unit-price"), ("sort", "unit-price")],
        [{"unit-price": "2.50"}, {"unit-price": "7.25"}, {"unit-price": "12.00"}],
    ),
    (
        "filter on the reserved word from",
        "class",
        [("filter[from][_eq]", "Paris")],
        [{"id": 1, "from": "Paris"}],
    ),
    (
        "_null on from",
        "class",
        [("filter[from][_null]", "true"), ("fields", "id")],
        [{"id": 2}],
    ),
    (
        "filter on the view's unit-price",
        "Big Orders",
        [("filter[unit-price][_gt]", "5"), ("fields", "id,unit-price")],
        [{"id": 3, "unit-price": "7.25"}],
    ),
    (
        "filter on-hand of the composite-key table",
        "Stock Levels",
        [("filter[on-hand][_gte]", "5"), ("sort", "-on-hand")],
        [{"warehouse": "B", "bin": 1, "on-hand": 12}, {"warehouse": "A", "bin": 1, "on-hand": 5}],
    ),
    (
        "sort by the reserved word order, descending",
        "audit log",
        [("sort", "-order"), ("fields", "event")],
        [{"event": "deleted"}, {"event": "created"}],
    ),
    (
        "leading-digit table filtered",
        "2fa_codes",
        [("filter[code][_starts_with]", "65")],
        [{"id": 2, "code": "654321"}],
    ),
]


@pytest.mark.parametrize(
    ("collection", "pairs", "expected"),
    [pytest.param(c, p, e, id=name) for name, c, p, e in QUERIES],
)
def test_query(
    awkward: Awkward, collection: str, pairs: list[tuple[str, str]], expected: list[dict[str, Any]]
) -> None:
    assert _data(awkward.get(collection, pairs=pairs)) == expected


# -- writes ---------------------------------------------------------------------------------------


def test_crud_on_order_lines(awkward: Awkward) -> None:
    client = awkward.client
    created = {"id": 4, "product": "Doohickey", "unit-price": "3.50", "qty": 4}
    payload = {"product": "Doohickey", "unit-price": "3.5", "qty": 4}
    assert _data(client.post(_path("Order Lines"), json=payload)) == created
    assert _data(awkward.get("Order Lines", "4")) == created

    updated = {**created, "unit-price": "4.00", "qty": 5}
    response = client.patch(_path("Order Lines", "4"), json={"unit-price": 4, "qty": 5})
    assert _data(response) == updated
    assert _data(awkward.get("Order Lines", "4")) == updated

    response = client.delete(_path("Order Lines", "4"))
    assert response.status_code == 204, response.get_data(as_text=True)
    assert_error(awkward.get("Order Lines", "4"), 403, "FORBIDDEN", FORBIDDEN)
    assert _data(awkward.get("Order Lines", pairs=[("sort", "id")])) == ORDER_LINES


def test_crud_on_composite_key(awkward: Awkward) -> None:
    client = awkward.client
    created = {"warehouse": "C", "bin": 7, "on-hand": 3}
    assert _data(client.post(_path("Stock Levels"), json=created)) == created
    assert _data(awkward.get("Stock Levels", "C,7")) == created
    assert _data(awkward.get("Stock Levels", "A,2")) == {"warehouse": "A", "bin": 2, "on-hand": 0}

    updated = {**created, "on-hand": 9}
    assert _data(client.patch(_path("Stock Levels", "C,7"), json={"on-hand": 9})) == updated
    assert _data(awkward.get("Stock Levels", "C,7")) == updated

    response = client.delete(_path("Stock Levels", "C,7"))
    assert response.status_code == 204, response.get_data(as_text=True)
    assert_error(awkward.get("Stock Levels", "C,7"), 403, "FORBIDDEN", FORBIDDEN)
    remaining = _data(awkward.get("Stock Levels", pairs=[("sort", "warehouse,bin")]))
    assert remaining == LISTINGS[4][2]


READ_ONLY_WRITES: list[tuple[str, str, str, str, Any]] = [
    ("view create", "POST", "Big Orders", "", {"product": "x", "unit-price": 1}),
    ("view update item", "PATCH", "Big Orders", "1", {"product": "x"}),
    ("view update by keys", "PATCH", "Big Orders", "", {"keys": [1], "data": {"product": "x"}}),
    ("view update by query", "PATCH", "Big Orders", "", {"query": {}, "data": {"product": "x"}}),
    ("view delete item", "DELETE", "Big Orders", "1", None),
    ("view delete by keys", "DELETE", "Big Orders", "", [1]),
    ("view delete by query", "DELETE", "Big Orders", "", {"query": {"filter": {"id": {"_eq": 1}}}}),
    ("no key create", "POST", "audit log", "", {"event": "x", "order": 3}),
    ("no key update by keys", "PATCH", "audit log", "", {"keys": [1], "data": {"event": "x"}}),
    ("no key update by query", "PATCH", "audit log", "", {"query": {}, "data": {"event": "x"}}),
    ("no key delete by keys", "DELETE", "audit log", "", [1]),
    (
        "no key delete by query",
        "DELETE",
        "audit log",
        "",
        {"query": {"filter": {"order": {"_eq": 1}}}},
    ),
]


@pytest.mark.parametrize(
    ("method", "collection", "key", "body"),
    [pytest.param(m, c, k, b, id=name) for name, m, c, k, b in READ_ONLY_WRITES],
)
def test_read_only_collections_refuse_writes(
    awkward: Awkward, method: str, collection: str, key: str, body: Any
) -> None:
    response = awkward.client.open(_path(collection, key), method=method, json=body)
    assert_error(response, 403, "FORBIDDEN", FORBIDDEN)
    expected = next(rows for name, _sort, rows in LISTINGS if name == collection)
    sort = "order" if collection == "audit log" else "id"
    assert _data(awkward.get(collection, pairs=[("sort", sort)])) == expected
