"""Every filter operator on every Directus type, on SQLite, PostgreSQL and MariaDB alike.

One table, `matrix`, holds a column of each type and eight rows chosen so that each operator has a
telling answer: mixed case (`Apple`, `apple`, `APPLE pie`), `%` and `_` in the data, an empty
string, a NULL in every nullable column (row 7), negative numbers, bigints above 2**53, decimals,
dates across years. The same request must select the same ids on every backend (contract §2.2,
DESIGN "Wire contract"), and the same listing must be the same bytes (§10).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.dialects import mysql

from tests.conftest import assert_error, generate_app
from tests.services import BACKENDS, fresh_database

Pairs = list[tuple[str, str]]

UTC = dt.UTC
ALL = [1, 2, 3, 4, 5, 6, 7, 8]
NOT_NULL = [1, 2, 3, 4, 5, 6, 8]
"""Row 7 is NULL in every nullable column."""
NULL = [7]

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
U3 = "a3bb189e-8bf9-4888-9912-ace4e6543002"
U4 = "44444444-4444-4444-8444-444444444444"
U5 = "55555555-5555-4555-8555-555555555555"
U6 = "66666666-6666-4666-8666-666666666666"
U8 = "ffffffff-ffff-4fff-bfff-ffffffffffff"


class _SqliteUuidText(sa.types.UserDefinedType[str]):
    """Declares `UUID` on SQLite and stores the 36-character dashed text, as Directus does."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "UUID"


DOUBLE = sa.Float().with_variant(mysql.DOUBLE(), "mysql", "mariadb")
UUID = sa.UUID(as_uuid=False).with_variant(_SqliteUuidText(), "sqlite")


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# id, s, t, i, b, f, d, flag, day, at, dt (= ts, in UTC), j, u
ROWS: list[tuple[Any, ...]] = [
    (1, "Apple", "Red fruit", -5, 2**53 + 1, -1.5, "-12.50", True,
     "2020-01-15", "08:30:00", "2020-01-15 08:30:00", {"a": 1}, U1),
    (2, "apple", "red FRUIT", 0, -(2**53 + 1), 0.0, "0.00", False,
     "2021-06-30", "12:00:00", "2021-06-30 12:00:00", [1, 2], U2),
    (3, "APPLE pie", "Dessert", 7, 1, 2.25, "12.50", True,
     "2022-12-31", "23:59:59", "2022-12-31 23:59:59", {"k": "v", "n": None}, U3),
    (4, "50%_off", "100% off_sale", 42, 2**62, 3.5, "99999999.99", False,
     "2019-02-28", "00:00:00", "2019-02-28 00:00:00", "text", U4),
    (5, "", "", 100, 0, 100.125, "1.05", True,
     "2023-03-01", "06:15:30", "2023-03-01 06:15:30", 1.5, U5),
    (6, "50 off", "100 off sale", -100, 2**53, -1000.5, "0.10", False,
     "1999-12-31", "18:45:00", "1999-12-31 18:45:00", {"nested": {"x": [True, False]}}, U6),
    (7, None, None, None, None, None, None, None,
     None, None, None, None, None),
    (8, "pineapple", "Tropical fruit", 3, 2**63 - 1, 0.1, "3.00", True,
     "2024-02-29", "12:00:01", "2024-02-29 12:00:01", {"unicode": "é ü"}, U8),
]  # fmt: skip


def _matrix_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "matrix",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("s", sa.String(50)),
        sa.Column("t", sa.Text),
        sa.Column("i", sa.Integer),
        sa.Column("b", sa.BigInteger),
        sa.Column("f", DOUBLE),
        sa.Column("d", sa.Numeric(10, 2)),
        sa.Column("flag", sa.Boolean),
        sa.Column("day", sa.Date),
        sa.Column("at", sa.Time),
        sa.Column("dt", sa.DateTime),
        sa.Column("ts", sa.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("j", sa.JSON(none_as_null=True)),
        sa.Column("u", UUID),
        mysql_charset="utf8mb4",
    )


def _insert_values(backend: str) -> list[dict[str, Any]]:
    values = []
    for row in ROWS:
        rid, s, t, i, b, f, d, flag, day, at, moment, j, u = row
        naive = _moment(moment) if moment else None
        # PostgreSQL stores an instant; the others store UTC wall time (MariaDB session in UTC).
        aware = naive.replace(tzinfo=UTC) if naive and backend == "postgresql" else naive
        values.append(
            {
                "id": rid,
                "s": s,
                "t": t,
                "i": i,
                "b": b,
                "f": f,
                "d": Decimal(d) if d is not None else None,
                "flag": flag,
                "day": dt.date.fromisoformat(day) if day else None,
                "at": dt.time.fromisoformat(at) if at else None,
                "dt": naive,
                "ts": aware,
                "j": j,
                "u": u,
            }
        )
    return values


def build_matrix(url: str, backend: str) -> None:
    """Create and fill `matrix` in the (empty) database at `url`."""
    metadata = sa.MetaData()
    table = _matrix_table(metadata)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if backend == "mariadb":
                conn.exec_driver_sql("SET time_zone = '+00:00'")
            metadata.create_all(conn)
            conn.execute(table.insert(), _insert_values(backend))
    finally:
        engine.dispose()


@dataclass
class Matrix:
    backend: str
    client: FlaskClient

    def get(self, pairs: Pairs) -> Any:
        return self.client.get(f"/items/matrix?{urlencode(pairs)}")

    def ids(self, pairs: Pairs) -> list[int]:
        response = self.get([*pairs, ("fields", "id"), ("sort", "id"), ("limit", "-1")])
        assert response.status_code == 200, response.get_data(as_text=True)
        return [row["id"] for row in response.get_json()["data"]]


@pytest.fixture(scope="module", params=BACKENDS)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    backend: str = request.param
    tmp: Path = tmp_path_factory.mktemp(f"matrix_{backend}")
    with fresh_database(backend, tmp) as url:
        build_matrix(url, backend)
        module = generate_app(url, tmp / "app", f"matrix_{backend}")
        app = module.create_app({"DB_URL": url})
        try:
            yield Matrix(backend, app.test_client())
        finally:
            app.extensions["dxgen"].engine.dispose()


# -- every allowed operator of every type ---------------------------------------------------------

OperatorCase = tuple[str, str, str, list[int]]


def _null_cases(field: str) -> list[OperatorCase]:
    """`_null`/`_nnull` with true and with false (false inverts, contract §2.2)."""
    return [
        (field, "_null", "true", NULL),
        (field, "_null", "false", NOT_NULL),
        (field, "_nnull", "true", NOT_NULL),
        (field, "_nnull", "false", NULL),
    ]


def _empty_cases(field: str, empty: list[int], non_empty: list[int]) -> list[OperatorCase]:
    return [
        (field, "_empty", "true", empty),
        (field, "_empty", "false", non_empty),
        (field, "_nempty", "true", non_empty),
        (field, "_nempty", "false", empty),
    ]


STRING_CASES: list[OperatorCase] = [
    ("s", "_eq", "Apple", [1]),
    ("s", "_eq", "apple", [2]),
    ("s", "_eq", "APPLE pie", [3]),
    ("s", "_eq", "Apple ", []),
    ("s", "_neq", "Apple", [2, 3, 4, 5, 6, 8]),
    ("s", "_in", "Apple,apple", [1, 2]),
    ("s", "_in", "apple", [2]),
    ("s", "_nin", "Apple,apple", [3, 4, 5, 6, 8]),
    ("s", "_nin", "apple", [1, 3, 4, 5, 6, 8]),
    *_null_cases("s"),
    *_empty_cases("s", [5, 7], [1, 2, 3, 4, 6, 8]),
    ("s", "_contains", "pple", [1, 2, 8]),
    ("s", "_contains", "PPLE", [3]),
    ("s", "_contains", "%", [4]),
    ("s", "_contains", "_", [4]),
    ("s", "_ncontains", "pple", [3, 4, 5, 6]),
    ("s", "_ncontains", "%", [1, 2, 3, 5, 6, 8]),
    ("s", "_icontains", "APPLE", [1, 2, 3, 8]),
    ("s", "_icontains", "%_", [4]),
    ("s", "_nicontains", "apple", [4, 5, 6]),
    ("s", "_nicontains", "%", [1, 2, 3, 5, 6, 8]),
    ("s", "_starts_with", "A", [1, 3]),
    ("s", "_starts_with", "a", [2]),
    ("s", "_starts_with", "50%_", [4]),
    ("s", "_nstarts_with", "A", [2, 4, 5, 6, 8]),
    ("s", "_istarts_with", "a", [1, 2, 3]),
    ("s", "_istarts_with", "50_", []),
    ("s", "_nistarts_with", "a", [4, 5, 6, 8]),
    ("s", "_ends_with", "apple", [2, 8]),
    ("s", "_ends_with", "_off", [4]),
    ("s", "_nends_with", "apple", [1, 3, 4, 5, 6]),
    ("s", "_iends_with", "APPLE", [1, 2, 8]),
    ("s", "_niends_with", "APPLE", [3, 4, 5, 6]),
]

TEXT_CASES: list[OperatorCase] = [
    ("t", "_eq", "Red fruit", [1]),
    ("t", "_neq", "Red fruit", [2, 3, 4, 5, 6, 8]),
    ("t", "_in", "Dessert,Tropical fruit", [3, 8]),
    ("t", "_nin", "Dessert,Tropical fruit", [1, 2, 4, 5, 6]),
    *_null_cases("t"),
    *_empty_cases("t", [5, 7], [1, 2, 3, 4, 6, 8]),
    ("t", "_contains", "fruit", [1, 8]),
    ("t", "_contains", "% off_", [4]),
    ("t", "_ncontains", "fruit", [2, 3, 4, 5, 6]),
    ("t", "_icontains", "FRUIT", [1, 2, 8]),
    ("t", "_nicontains", "FRUIT", [3, 4, 5, 6]),
    ("t", "_starts_with", "Red", [1]),
    ("t", "_starts_with", "100%", [4]),
    ("t", "_nstarts_with", "Red", [2, 3, 4, 5, 6, 8]),
    ("t", "_istarts_with", "RED", [1, 2]),
    ("t", "_nistarts_with", "RED", [3, 4, 5, 6, 8]),
    ("t", "_ends_with", "fruit", [1, 8]),
    ("t", "_ends_with", "_sale", [4]),
    ("t", "_nends_with", "fruit", [2, 3, 4, 5, 6]),
    ("t", "_iends_with", "FRUIT", [1, 2, 8]),
    ("t", "_niends_with", "FRUIT", [3, 4, 5, 6]),
]

INTEGER_CASES: list[OperatorCase] = [
    ("i", "_eq", "7", [3]),
    ("i", "_eq", "-5", [1]),
    ("i", "_eq", "null", NULL),
    ("i", "_neq", "0", [1, 3, 4, 5, 6, 8]),
    ("i", "_neq", "null", NOT_NULL),
    ("i", "_lt", "0", [1, 6]),
    ("i", "_lte", "0", [1, 2, 6]),
    ("i", "_gt", "7", [4, 5]),
    ("i", "_gte", "7", [3, 4, 5]),
    ("i", "_in", "0,7,42", [2, 3, 4]),
    ("i", "_nin", "0,7,42", [1, 5, 6, 8]),
    ("i", "_between", "-5,7", [1, 2, 3, 8]),
    ("i", "_nbetween", "-5,7", [4, 5, 6]),
    *_null_cases("i"),
]

BIG_INTEGER_CASES: list[OperatorCase] = [
    ("b", "_eq", "9007199254740993", [1]),
    ("b", "_eq", "9223372036854775807", [8]),
    ("b", "_neq", "9007199254740993", [2, 3, 4, 5, 6, 8]),
    ("b", "_lt", "0", [2]),
    ("b", "_lte", "1", [2, 3, 5]),
    ("b", "_gt", "9007199254740992", [1, 4, 8]),
    ("b", "_gte", "9007199254740992", [1, 4, 6, 8]),
    ("b", "_in", "9007199254740992,1", [3, 6]),
    ("b", "_nin", "9007199254740992,1", [1, 2, 4, 5, 8]),
    ("b", "_between", "9007199254740992,9007199254740993", [1, 6]),
    ("b", "_nbetween", "9007199254740992,9007199254740993", [2, 3, 4, 5, 8]),
    *_null_cases("b"),
]

FLOAT_CASES: list[OperatorCase] = [
    ("f", "_eq", "2.25", [3]),
    ("f", "_eq", "0.1", [8]),
    ("f", "_neq", "0", [1, 3, 4, 5, 6, 8]),
    ("f", "_lt", "0", [1, 6]),
    ("f", "_lte", "-1.5", [1, 6]),
    ("f", "_gt", "3.5", [5]),
    ("f", "_gte", "3.5", [4, 5]),
    ("f", "_in", "2.25,3.5", [3, 4]),
    ("f", "_nin", "2.25,3.5", [1, 2, 5, 6, 8]),
    ("f", "_between", "-1.5,2.25", [1, 2, 3, 8]),
    ("f", "_nbetween", "-1.5,2.25", [4, 5, 6]),
    *_null_cases("f"),
]

DECIMAL_CASES: list[OperatorCase] = [
    ("d", "_eq", "12.5", [3]),
    ("d", "_eq", "12.50", [3]),
    ("d", "_eq", "99999999.99", [4]),
    ("d", "_neq", "12.5", [1, 2, 4, 5, 6, 8]),
    ("d", "_lt", "0", [1]),
    ("d", "_lte", "1.05", [1, 2, 5, 6]),
    ("d", "_gt", "12.5", [4]),
    ("d", "_gte", "12.5", [3, 4]),
    ("d", "_in", "0.1,3", [6, 8]),
    ("d", "_nin", "0.1,3", [1, 2, 3, 4, 5]),
    ("d", "_between", "0.1,1.05", [5, 6]),
    ("d", "_nbetween", "0.1,1.05", [1, 2, 3, 4, 8]),
    *_null_cases("d"),
]

BOOLEAN_CASES: list[OperatorCase] = [
    ("flag", "_eq", "true", [1, 3, 5, 8]),
    ("flag", "_eq", "false", [2, 4, 6]),
    ("flag", "_eq", "1", [1, 3, 5, 8]),
    ("flag", "_neq", "true", [2, 4, 6]),
    ("flag", "_neq", "false", [1, 3, 5, 8]),
    *_null_cases("flag"),
]

# $NOW is 2026 or later: every stored date is more than a year in the past; 1999 is the only one
# more than 20 years back (true until 2039).
DATE_CASES: list[OperatorCase] = [
    ("day", "_eq", "2022-12-31", [3]),
    ("day", "_neq", "2022-12-31", [1, 2, 4, 5, 6, 8]),
    ("day", "_lt", "2020-01-15", [4, 6]),
    ("day", "_lte", "2020-01-15", [1, 4, 6]),
    ("day", "_gt", "2022-12-31", [5, 8]),
    ("day", "_gte", "2022-12-31", [3, 5, 8]),
    ("day", "_in", "2020-01-15,2024-02-29", [1, 8]),
    ("day", "_nin", "2020-01-15,2024-02-29", [2, 3, 4, 5, 6]),
    ("day", "_between", "2020-01-01,2022-12-31", [1, 2, 3]),
    ("day", "_nbetween", "2020-01-01,2022-12-31", [4, 5, 6, 8]),
    *_null_cases("day"),
    ("day", "_lt", "$NOW", NOT_NULL),
    ("day", "_gt", "$NOW", []),
    ("day", "_lt", "$NOW(+1 day)", NOT_NULL),
    ("day", "_lte", "$NOW(-1 year)", NOT_NULL),
    ("day", "_gt", "$NOW(-1 year)", []),
    ("day", "_lt", "$NOW(-20 years)", [6]),
    ("day", "_between", "$NOW(-30 years),$NOW(-20 years)", [6]),
]

TIME_CASES: list[OperatorCase] = [
    ("at", "_eq", "12:00:00", [2]),
    ("at", "_neq", "12:00:00", [1, 3, 4, 5, 6, 8]),
    ("at", "_lt", "08:30:00", [4, 5]),
    ("at", "_lte", "08:30:00", [1, 4, 5]),
    ("at", "_gt", "12:00:00", [3, 6, 8]),
    ("at", "_gte", "12:00:00", [2, 3, 6, 8]),
    ("at", "_in", "00:00:00,23:59:59", [3, 4]),
    ("at", "_nin", "00:00:00,23:59:59", [1, 2, 5, 6, 8]),
    ("at", "_between", "08:30:00,12:00:00", [1, 2]),
    ("at", "_nbetween", "08:30:00,12:00:00", [3, 4, 5, 6, 8]),
    *_null_cases("at"),
]

DATE_TIME_CASES: list[OperatorCase] = [
    ("dt", "_eq", "2021-06-30T12:00:00", [2]),
    ("dt", "_eq", "2021-06-30 12:00:00", [2]),
    ("dt", "_neq", "2021-06-30T12:00:00", [1, 3, 4, 5, 6, 8]),
    ("dt", "_lt", "2020-01-15T08:30:00", [4, 6]),
    ("dt", "_lte", "2020-01-15T08:30:00", [1, 4, 6]),
    ("dt", "_gt", "2022-12-31T23:59:59", [5, 8]),
    ("dt", "_gte", "2022-12-31T23:59:59", [3, 5, 8]),
    ("dt", "_gte", "2022-12-31", [3, 5, 8]),
    ("dt", "_in", "2020-01-15T08:30:00,2024-02-29T12:00:01", [1, 8]),
    ("dt", "_nin", "2020-01-15T08:30:00,2024-02-29T12:00:01", [2, 3, 4, 5, 6]),
    ("dt", "_between", "2020-01-01T00:00:00,2022-12-31T23:59:59", [1, 2, 3]),
    ("dt", "_nbetween", "2020-01-01T00:00:00,2022-12-31T23:59:59", [4, 5, 6, 8]),
    *_null_cases("dt"),
    ("dt", "_lt", "$NOW", NOT_NULL),
    ("dt", "_gt", "$NOW(-1 year)", []),
    ("dt", "_lt", "$NOW(-20 years)", [6]),
]

TIMESTAMP_CASES: list[OperatorCase] = [
    ("ts", "_eq", "2021-06-30T12:00:00Z", [2]),
    ("ts", "_eq", "2021-06-30T12:00:00.000Z", [2]),
    ("ts", "_eq", "2021-06-30T14:00:00+02:00", [2]),
    ("ts", "_neq", "2021-06-30T12:00:00Z", [1, 3, 4, 5, 6, 8]),
    ("ts", "_lt", "2020-01-15T08:30:00Z", [4, 6]),
    ("ts", "_lte", "2020-01-15T09:30:00+01:00", [1, 4, 6]),
    ("ts", "_gt", "2022-12-31T23:59:59Z", [5, 8]),
    ("ts", "_gte", "2022-12-31T23:59:59Z", [3, 5, 8]),
    ("ts", "_in", "2020-01-15T08:30:00Z,2024-02-29T12:00:01Z", [1, 8]),
    ("ts", "_nin", "2020-01-15T08:30:00Z,2024-02-29T12:00:01Z", [2, 3, 4, 5, 6]),
    ("ts", "_between", "2020-01-01T00:00:00Z,2022-12-31T23:59:59Z", [1, 2, 3]),
    ("ts", "_nbetween", "2020-01-01T00:00:00Z,2022-12-31T23:59:59Z", [4, 5, 6, 8]),
    ("ts", "_contains", "2021-06", [2]),
    ("ts", "_contains", "12:00:0", [2, 8]),
    ("ts", "_ncontains", "2021-06", [1, 3, 4, 5, 6, 8]),
    *_empty_cases("ts", NULL, NOT_NULL),
    *_null_cases("ts"),
    ("ts", "_lt", "$NOW", NOT_NULL),
    ("ts", "_gte", "$NOW(-1 year)", []),
    ("ts", "_lt", "$NOW(-20 years)", [6]),
]

UUID_CASES: list[OperatorCase] = [
    ("u", "_eq", U1, [1]),
    ("u", "_eq", U3.upper(), [3]),
    ("u", "_neq", U1, [2, 3, 4, 5, 6, 8]),
    ("u", "_in", f"{U1},{U8}", [1, 8]),
    ("u", "_nin", f"{U1},{U8}", [2, 3, 4, 5, 6]),
    *_null_cases("u"),
]

JSON_CASES: list[OperatorCase] = [*_null_cases("j")]

OPERATOR_CASES = [
    *STRING_CASES,
    *TEXT_CASES,
    *INTEGER_CASES,
    *BIG_INTEGER_CASES,
    *FLOAT_CASES,
    *DECIMAL_CASES,
    *BOOLEAN_CASES,
    *DATE_CASES,
    *TIME_CASES,
    *DATE_TIME_CASES,
    *TIMESTAMP_CASES,
    *UUID_CASES,
    *JSON_CASES,
]

ALLOWED: dict[str, tuple[str, ...]] = {
    "s": [
        "_contains",
        "_ncontains",
        "_icontains",
        "_nicontains",
        "_starts_with",
        "_nstarts_with",
        "_istarts_with",
        "_nistarts_with",
        "_ends_with",
        "_nends_with",
        "_iends_with",
        "_niends_with",
        "_eq",
        "_neq",
        "_empty",
        "_nempty",
        "_null",
        "_nnull",
        "_in",
        "_nin",
    ],
    "i": [
        "_eq",
        "_neq",
        "_lt",
        "_lte",
        "_gt",
        "_gte",
        "_between",
        "_nbetween",
        "_null",
        "_nnull",
        "_in",
        "_nin",
    ],
    "ts": [
        "_contains",
        "_ncontains",
        "_eq",
        "_neq",
        "_lt",
        "_lte",
        "_gt",
        "_gte",
        "_between",
        "_nbetween",
        "_empty",
        "_nempty",
        "_null",
        "_nnull",
        "_in",
        "_nin",
    ],
    "u": ["_eq", "_neq", "_null", "_nnull", "_in", "_nin"],
    "flag": ["_eq", "_neq", "_null", "_nnull"],
    "j": ["_null", "_nnull"],
}
"""Contract §2.2's allow-lists (without `_json`, which the brief leaves out)."""
ALLOWED["t"] = ALLOWED["s"]
for _numeric in ("b", "f", "d", "day", "at", "dt"):
    ALLOWED[_numeric] = ALLOWED["i"]


def _case_id(field: str, operator: str, value: str) -> str:
    """`s_eq=Apple`; a value with edge spaces is quoted so the id shows them."""
    shown = value if value == value.strip() else repr(value)
    return f"{field}{operator}={shown}"


def test_the_table_covers_every_allowed_operator_of_every_type() -> None:
    covered: dict[str, set[str]] = {}
    for field, operator, _value, _expected in OPERATOR_CASES:
        covered.setdefault(field, set()).add(operator)
    assert {field: sorted(ops) for field, ops in covered.items()} == {
        field: sorted(ops) for field, ops in ALLOWED.items()
    }


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [pytest.param(*case, id=_case_id(*case[:3])) for case in OPERATOR_CASES],
)
def test_operator(
    matrix: Matrix, field: str, operator: str, value: str, expected: list[int]
) -> None:
    assert matrix.ids([(f"filter[{field}][{operator}]", value)]) == expected


# -- filter forms: JSON, brackets, logical nesting ------------------------------------------------


def _json_filter(node: Any) -> Pairs:
    return [("filter", json.dumps(node))]


FORM_CASES: list[tuple[str, Pairs, list[int]]] = [
    ("bare value means _eq", [("filter[s]", "Apple")], [1]),
    ("bare boolean", [("filter[flag]", "true")], [1, 3, 5, 8]),
    ("json", _json_filter({"i": {"_gt": 1}}), [3, 4, 5, 8]),
    ("json boolean literal", _json_filter({"flag": {"_eq": True}}), [1, 3, 5, 8]),
    ("json _null", _json_filter({"s": {"_null": True}}), NULL),
    ("json big integer stays exact", _json_filter({"b": {"_eq": 2**53 + 1}}), [1]),
    ("json _in array", _json_filter({"i": {"_in": [7, 42]}}), [3, 4]),
    ("bracket _in []", [("filter[i][_in][]", "7"), ("filter[i][_in][]", "42")], [3, 4]),
    ("bracket _in [n]", [("filter[i][_in][0]", "7"), ("filter[i][_in][1]", "42")], [3, 4]),
    ("two fields are ANDed", [("filter[flag][_eq]", "true"), ("filter[i][_gt]", "0")], [3, 5, 8]),
    ("two operators on a field", [("filter[i][_gt]", "0"), ("filter[i][_lt]", "50")], [3, 4, 8]),
    (
        "json _or",
        _json_filter({"_or": [{"s": {"_eq": "Apple"}}, {"i": {"_gt": 50}}]}),
        [1, 5],
    ),
    (
        "json _and with nested _or",
        _json_filter(
            {"_and": [{"flag": {"_eq": True}}, {"_or": [{"i": {"_lt": 0}}, {"d": {"_gt": 10}}]}]}
        ),
        [1, 3],
    ),
    (
        "bracket _or",
        [("filter[_or][0][s][_eq]", "Apple"), ("filter[_or][1][i][_gt]", "50")],
        [1, 5],
    ),
    (
        "bracket _and with nested _or",
        [
            ("filter[_and][0][flag][_eq]", "true"),
            ("filter[_and][1][_or][0][i][_lt]", "0"),
            ("filter[_and][1][_or][1][d][_gt]", "10"),
        ],
        [1, 3],
    ),
    ("_or inside a field", _json_filter({"i": {"_or": [{"_lt": -50}, {"_gt": 50}]}}), [5, 6]),
    ("_or with an empty object matches all", _json_filter({"_or": [{}, {"i": {"_eq": 7}}]}), ALL),
    ("_between with three values is ignored", [("filter[i][_between]", "1,2,3")], ALL),
]


@pytest.mark.parametrize(
    ("pairs", "expected"), [pytest.param(p, e, id=name) for name, p, e in FORM_CASES]
)
def test_filter_form(matrix: Matrix, pairs: Pairs, expected: list[int]) -> None:
    assert matrix.ids(pairs) == expected


# -- rejected filters ------------------------------------------------------------------------------


def _not_allowed(field_type: str, operator: str) -> str:
    return f'"{field_type}" field type does not contain the "{operator}" filter operator'


def _empty_string(operator: str) -> str:
    return (
        f'You can\'t filter for an empty string in "{operator}". Use "_empty" or "_nempty" instead'
    )


REJECTED: list[tuple[str, Pairs, str]] = [
    ("string _gt", [("filter[s][_gt]", "1")], _not_allowed("string", "_gt")),
    ("string _ieq", [("filter[s][_ieq]", "apple")], _not_allowed("string", "_ieq")),
    ("text _lt", [("filter[t][_lt]", "a")], _not_allowed("text", "_lt")),
    ("integer _contains", [("filter[i][_contains]", "1")], _not_allowed("integer", "_contains")),
    (
        "bigInteger _icontains",
        [("filter[b][_icontains]", "1")],
        _not_allowed("bigInteger", "_icontains"),
    ),
    ("float _empty", [("filter[f][_empty]", "true")], _not_allowed("float", "_empty")),
    (
        "decimal _starts_with",
        [("filter[d][_starts_with]", "1")],
        _not_allowed("decimal", "_starts_with"),
    ),
    ("date _empty", [("filter[day][_empty]", "true")], _not_allowed("date", "_empty")),
    ("time _ends_with", [("filter[at][_ends_with]", "00")], _not_allowed("time", "_ends_with")),
    (
        "dateTime _contains",
        [("filter[dt][_contains]", "2020")],
        _not_allowed("dateTime", "_contains"),
    ),
    (
        "timestamp _icontains",
        [("filter[ts][_icontains]", "2020")],
        _not_allowed("timestamp", "_icontains"),
    ),
    ("boolean _contains", [("filter[flag][_contains]", "t")], _not_allowed("boolean", "_contains")),
    ("boolean _in", [("filter[flag][_in]", "true")], _not_allowed("boolean", "_in")),
    ("uuid _contains", [("filter[u][_contains]", "1")], _not_allowed("uuid", "_contains")),
    ("uuid _lt", [("filter[u][_lt]", U1)], _not_allowed("uuid", "_lt")),
    ("json _eq", [("filter[j][_eq]", "1")], _not_allowed("json", "_eq")),
    ("json _contains", [("filter[j][_contains]", "a")], _not_allowed("json", "_contains")),
    ("empty string _eq", [("filter[s][_eq]", "")], _empty_string("_eq")),
    ("empty string _contains", [("filter[s][_contains]", "")], _empty_string("_contains")),
    ("empty string on integer", [("filter[i][_eq]", "")], _empty_string("_eq")),
    ("integer not a number", [("filter[i][_eq]", "abc")], "Invalid numeric value"),
    ("integer _in not a number", [("filter[i][_in]", "1,x")], "Invalid numeric value"),
    ("float not a number", [("filter[f][_gt]", "abc")], "Invalid numeric value"),
    ("decimal not a number", [("filter[d][_lt]", "abc")], "Invalid numeric value"),
    ("invalid JSON", [("filter", '{"i":')], "Invalid JSON for filter object"),
    ("_null not boolean", [("filter[s][_null]", "maybe")], '"_null" has to be a boolean'),
    ("_nnull not boolean", [("filter[i][_nnull]", "5")], '"_nnull" has to be a boolean'),
    ("_empty not boolean", [("filter[s][_empty]", "yes")], '"_empty" has to be a boolean'),
    ("_nempty not boolean", [("filter[t][_nempty]", "x")], '"_nempty" has to be a boolean'),
    (
        "object for _eq",
        [("filter[s][_eq][a]", "1")],
        'The filter value for "_eq" has to be a string, number, or boolean',
    ),
    (
        "array for _gt",
        _json_filter({"i": {"_gt": [1]}}),
        'The filter value for "_gt" has to be a string, number, or boolean',
    ),
    ("_in empty object", _json_filter({"i": {"_in": {}}}), '"_in" has to be an array of values'),
    (
        "_between empty array",
        _json_filter({"i": {"_between": []}}),
        '"_between" has to be an array of values',
    ),
]


@pytest.mark.parametrize(
    ("pairs", "reason"), [pytest.param(p, r, id=name) for name, p, r in REJECTED]
)
def test_rejected_filter(matrix: Matrix, pairs: Pairs, reason: str) -> None:
    response = matrix.get([*pairs, ("fields", "id")])
    assert_error(response, 400, "INVALID_QUERY", f"Invalid query. {reason}.")
    assert response.get_json()["errors"][0]["extensions"] == {
        "reason": reason,
        "code": "INVALID_QUERY",
    }


UNKNOWN_FIELD = (
    'You don\'t have permission to access field "nope" in collection "matrix" '
    "or it does not exist. Queried in root."
)


@pytest.mark.parametrize(
    "pairs",
    [
        pytest.param([("filter[nope][_eq]", "1")], id="bracket"),
        pytest.param(_json_filter({"_or": [{"nope": {"_eq": 1}}]}), id="inside _or"),
    ],
)
def test_unknown_field_is_forbidden(matrix: Matrix, pairs: Pairs) -> None:
    assert_error(matrix.get(pairs), 403, "FORBIDDEN", UNKNOWN_FIELD)


# -- one wire format -------------------------------------------------------------------------------

EXPECTED_ROWS: list[dict[str, Any]] = [
    {
        "id": 1, "s": "Apple", "t": "Red fruit", "i": -5, "b": "9007199254740993", "f": -1.5,
        "d": "-12.50", "flag": True, "day": "2020-01-15", "at": "08:30:00",
        "dt": "2020-01-15T08:30:00", "ts": "2020-01-15T08:30:00.000Z", "j": {"a": 1}, "u": U1,
    },
    {
        "id": 2, "s": "apple", "t": "red FRUIT", "i": 0, "b": "-9007199254740993", "f": 0.0,
        "d": "0.00", "flag": False, "day": "2021-06-30", "at": "12:00:00",
        "dt": "2021-06-30T12:00:00", "ts": "2021-06-30T12:00:00.000Z", "j": [1, 2], "u": U2,
    },
    {
        "id": 3, "s": "APPLE pie", "t": "Dessert", "i": 7, "b": "1", "f": 2.25,
        "d": "12.50", "flag": True, "day": "2022-12-31", "at": "23:59:59",
        "dt": "2022-12-31T23:59:59", "ts": "2022-12-31T23:59:59.000Z",
        "j": {"k": "v", "n": None}, "u": U3,
    },
    {
        "id": 4, "s": "50%_off", "t": "100% off_sale", "i": 42, "b": "4611686018427387904",
        "f": 3.5, "d": "99999999.99", "flag": False, "day": "2019-02-28", "at": "00:00:00",
        "dt": "2019-02-28T00:00:00", "ts": "2019-02-28T00:00:00.000Z", "j": "text", "u": U4,
    },
    {
        "id": 5, "s": "", "t": "", "i": 100, "b": "0", "f": 100.125,
        "d": "1.05", "flag": True, "day": "2023-03-01", "at": "06:15:30",
        "dt": "2023-03-01T06:15:30", "ts": "2023-03-01T06:15:30.000Z", "j": 1.5, "u": U5,
    },
    {
        "id": 6, "s": "50 off", "t": "100 off sale", "i": -100, "b": "9007199254740992",
        "f": -1000.5, "d": "0.10", "flag": False, "day": "1999-12-31", "at": "18:45:00",
        "dt": "1999-12-31T18:45:00", "ts": "1999-12-31T18:45:00.000Z",
        "j": {"nested": {"x": [True, False]}}, "u": U6,
    },
    {
        "id": 7, "s": None, "t": None, "i": None, "b": None, "f": None,
        "d": None, "flag": None, "day": None, "at": None,
        "dt": None, "ts": None, "j": None, "u": None,
    },
    {
        "id": 8, "s": "pineapple", "t": "Tropical fruit", "i": 3, "b": "9223372036854775807",
        "f": 0.1, "d": "3.00", "flag": True, "day": "2024-02-29", "at": "12:00:01",
        "dt": "2024-02-29T12:00:01", "ts": "2024-02-29T12:00:01.000Z",
        "j": {"unicode": "é ü"}, "u": U8,
    },
]  # fmt: skip

BODIES: dict[str, bytes] = {}
"""Each backend's raw `GET /items/matrix?sort=id` body, compared with the others' as they arrive."""


def test_listing_is_the_wire_format(matrix: Matrix) -> None:
    response = matrix.get([("sort", "id")])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == {"data": EXPECTED_ROWS}
    # Types too, which == glosses over (True == 1, 0.0 == 0).
    for row, expected in zip(response.get_json()["data"], EXPECTED_ROWS, strict=True):
        assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in expected.items()}
        assert list(row) == list(expected)


def test_listing_bytes_are_identical_on_every_backend(matrix: Matrix) -> None:
    body = matrix.get([("sort", "id")]).get_data()
    BODIES[matrix.backend] = body
    # The one canonical rendering of the expected rows: the same bytes on every backend.
    assert body == orjson.dumps({"data": EXPECTED_ROWS})
    for backend, other in BODIES.items():
        assert body == other, f"{matrix.backend} body differs from {backend}'s"


def test_single_in_value_is_wrapped_like_directus(matrix: Matrix) -> None:
    """Directus's parse-filter turns a scalar `_in` into a one-item list."""
    assert matrix.ids([("filter", '{"id": {"_in": 3}}')]) == [3]
