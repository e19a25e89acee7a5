"""What each dialect's introspection sees in a real database, and that the generated app serves it.

One small schema per backend holds the types that need dialect knowledge: a non-public PostgreSQL
schema with an enum, an array, a materialized view and types SQLAlchemy does not know; MariaDB's
`BIT(1)` booleans and unsigned ranges; SQLite's inline column constraints. Each is introspected,
generated into an app and called through the Flask test client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from dxgen.emit import emit
from dxgen.introspect import introspect
from dxgen.render import render_plan
from dxgen.schema import Schema
from tests.conftest import assert_error, import_package
from tests.services import fresh_database

PG_SCHEMA = "shop"
PG_DDL = [
    f"CREATE SCHEMA {PG_SCHEMA}",
    f"CREATE TYPE {PG_SCHEMA}.mood AS ENUM ('happy', 'sad')",
    f"CREATE TABLE {PG_SCHEMA}.owners (id serial PRIMARY KEY, name text NOT NULL)",
    f"""CREATE TABLE {PG_SCHEMA}.things (
        id serial PRIMARY KEY,
        owner_id integer REFERENCES {PG_SCHEMA}.owners (id),
        mood {PG_SCHEMA}.mood,
        tags text[],
        doc tsvector,
        span int4range,
        spot point,
        code varchar(5) UNIQUE
    )""",
    f"CREATE MATERIALIZED VIEW {PG_SCHEMA}.thing_codes AS SELECT id, code FROM {PG_SCHEMA}.things",
    "CREATE TABLE public.decoy (id integer PRIMARY KEY)",
    f"INSERT INTO {PG_SCHEMA}.owners (name) VALUES ('Ada')",
    f"""INSERT INTO {PG_SCHEMA}.things (owner_id, mood, tags, doc, span, spot, code)
        VALUES (1, 'happy', '{{a,b}}', to_tsvector('simple', 'hello world'), '[1,5)',
                '(1,2)', 'A1')""",
    f"REFRESH MATERIALIZED VIEW {PG_SCHEMA}.thing_codes",
]
MARIADB_DDL = [
    """CREATE TABLE flags (
        id int unsigned AUTO_INCREMENT PRIMARY KEY,
        active bit(1) NOT NULL DEFAULT b'0',
        mask bit(8),
        small tinyint unsigned,
        big bigint unsigned,
        shape geometry
    )""",
    "INSERT INTO flags (active, mask, small, big) VALUES (b'1', b'00000101', 7, 1)",
]
SQLITE_DDL = [
    "CREATE TABLE parent (id integer PRIMARY KEY, code text UNIQUE)",
    """CREATE TABLE child (
        id integer PRIMARY KEY,
        parent_id integer NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
        slug varchar(10) NOT NULL UNIQUE,
        other integer REFERENCES parent
    )""",
    "CREATE UNIQUE INDEX child_other_partial ON child (other) WHERE other > 0",
    "INSERT INTO parent (id, code) VALUES (1, 'p1')",
]


@dataclass
class Served:
    """A database built from DDL, its schema model and the app generated from it."""

    model: Schema
    out: Path
    client: FlaskClient

    def collection(self, name: str) -> Any:
        return next(c for c in self.model.collections if c.name == name)

    def column(self, collection: str, name: str) -> Any:
        return next(c for c in self.collection(collection).columns if c.name == name)


def _serve(
    backend: str, tmp: Path, ddl: list[str], package: str, schema: str | None = None
) -> Iterator[Served]:
    with fresh_database(backend, tmp) as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for statement in ddl:
                conn.exec_driver_sql(statement)
        engine.dispose()
        model = introspect(url, schema=schema)
        app_plan, files = render_plan(model, package)
        emit(tmp / "app", files, {f.path: f.owner for f in app_plan.files}, force=True)
        app = import_package(tmp / "app", package).create_app({"DB_URL": url})
        try:
            yield Served(model, tmp / "app", app.test_client())
        finally:
            app.extensions["dxgen"].engine.dispose()


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("dialect_pg")
    yield from _serve("postgresql", tmp, PG_DDL, "dialect_pg", schema=PG_SCHEMA)


@pytest.fixture(scope="module")
def maria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("dialect_mariadb")
    yield from _serve("mariadb", tmp, MARIADB_DDL, "dialect_mariadb")


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("dialect_sqlite")
    yield from _serve("sqlite", tmp, SQLITE_DDL, "dialect_sqlite")


def _data(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


# -- PostgreSQL ---------------------------------------------------------------------------------


def test_pg_schema_option_reads_only_that_schema(pg: Served) -> None:
    assert [(c.name, c.kind, c.schema) for c in pg.model.collections] == [
        ("owners", "table", PG_SCHEMA),
        ("thing_codes", "view", PG_SCHEMA),
        ("things", "table", PG_SCHEMA),
    ]
    assert pg.model.schema == PG_SCHEMA
    assert [(r.kind, r.collection, r.field) for r in pg.model.relations] == [
        ("o2m", "owners", "things"),
        ("m2o", "things", "owner_id"),
    ]


def test_pg_generated_tables_carry_their_schema(pg: Served) -> None:
    source = (pg.out / "dialect_pg" / "schema.py").read_text()
    assert source.count(f'schema="{PG_SCHEMA}",') == 3
    assert "decoy" not in source


def test_pg_type_mapping(pg: Served) -> None:
    facts = {
        c.name: (c.type, c.sql_type, c.readonly, c.enum_values)
        for c in pg.collection("things").columns
    }
    assert facts == {
        "id": ("integer", "INTEGER", False, ()),
        "owner_id": ("integer", "INTEGER", False, ()),
        "mood": ("string", f"{PG_SCHEMA}.mood", False, ("happy", "sad")),
        "tags": ("json", "TEXT[]", True, ()),
        "doc": ("text", "TSVECTOR", True, ()),
        "span": ("string", "INT4RANGE", False, ()),
        "spot": ("string", "point", False, ()),
        "code": ("string", "VARCHAR(5)", False, ()),
    }
    assert pg.column("things", "code").unique


def test_pg_unknown_types_are_warnings_not_errors(pg: Served) -> None:
    assert pg.model.warnings == (
        "thing_codes: materialized view served as a read-only collection",
        "things.span: unknown type 'INT4RANGE' served as a string",
        "things.spot: unknown type 'point' served as a string",
    )


def test_pg_serves_the_non_public_schema(pg: Served) -> None:
    fields = "id,owner_id.name,mood,tags,doc,spot,code"
    assert _data(pg.client.get(f"/items/things?fields={fields}")) == [
        {
            "id": 1,
            "owner_id": {"name": "Ada"},
            "mood": "happy",
            "tags": ["a", "b"],
            "doc": "'hello':1 'world':2",
            "spot": "(1,2)",
            "code": "A1",
        }
    ]
    assert _data(pg.client.get("/items/owners?fields=name,things.code")) == [
        {"name": "Ada", "things": [{"code": "A1"}]}
    ]


def test_pg_materialized_view_is_read_only(pg: Served) -> None:
    assert _data(pg.client.get("/items/thing_codes?fields=code")) == [{"code": "A1"}]
    assert_error(pg.client.post("/items/thing_codes", json={"id": 9}), 403, "FORBIDDEN")


def test_pg_enum_values_are_validated(pg: Served) -> None:
    response = pg.client.post("/items/things", json={"mood": "angry", "code": "E1"})
    assert_error(response, 400, "FAILED_VALIDATION")
    assert response.get_json()["errors"][0]["extensions"]["valid"] == ["happy", "sad"]


def test_pg_enum_accepts_an_allowed_value(pg: Served) -> None:
    created = _data(pg.client.post("/items/things?fields=mood", json={"mood": "sad"}))
    assert created == {"mood": "sad"}


def test_pg_array_is_read_only(pg: Served) -> None:
    """Arrays are served as JSON and not written (documented): a value sent for one is ignored."""
    body = {"tags": ["x"], "code": "R1"}
    created = _data(pg.client.post("/items/things?fields=tags,code", json=body))
    assert created == {"tags": None, "code": "R1"}


def test_pg_unknown_type_takes_its_text_form(pg: Served) -> None:
    created = _data(pg.client.post("/items/things?fields=spot", json={"spot": "(3,4)"}))
    assert created == {"spot": "(3,4)"}
    response = pg.client.post("/items/things", json={"spot": "not a point"})
    assert_error(response, 400, "FAILED_VALIDATION")
    assert response.get_json()["errors"][0]["extensions"]["field"] == "spot"


# -- MariaDB ------------------------------------------------------------------------------------


def test_mariadb_bits_and_unsigned_ranges(maria: Served) -> None:
    facts = {c.name: (c.type, c.min_value, c.max_value) for c in maria.collection("flags").columns}
    assert facts == {
        "id": ("integer", 0, 2**32 - 1),
        "active": ("boolean", None, None),
        "mask": ("integer", 0, 255),
        "small": ("integer", 0, 255),
        "big": ("bigInteger", 0, 2**64 - 1),
        "shape": ("string", None, None),
    }
    assert maria.model.warnings == ("flags.shape: unknown type 'geometry' served as a string",)


def test_mariadb_bit_reads_and_writes_as_boolean(maria: Served) -> None:
    fields = "fields=active,mask,small,big"
    assert _data(maria.client.get(f"/items/flags?{fields}")) == [
        {"active": True, "mask": 5, "small": 7, "big": "1"}
    ]
    body = {"active": False, "mask": 255, "small": 255, "big": str(2**64 - 1)}
    created = _data(maria.client.post(f"/items/flags?{fields}", json=body))
    assert created == {"active": False, "mask": 255, "small": 255, "big": str(2**64 - 1)}
    listed = _data(maria.client.get("/items/flags?fields=id&filter[active][_eq]=false"))
    assert len(listed) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("small", -1), ("small", 256), ("big", "-1"), ("big", str(2**64)), ("mask", 256)],
)
def test_mariadb_unsigned_ranges_are_validated(maria: Served, field: str, value: Any) -> None:
    response = maria.client.post("/items/flags", json={field: value})
    assert_error(response, 400, "VALUE_OUT_OF_RANGE")


# -- SQLite -------------------------------------------------------------------------------------


def test_sqlite_inline_column_constraints(lite: Served) -> None:
    unique = {c.name: c.unique for c in lite.collection("child").columns}
    assert unique == {"id": True, "parent_id": False, "slug": True, "other": False}
    assert lite.column("parent", "code").unique
    keys = [
        (k.columns, k.referred_table, k.on_delete) for k in lite.collection("child").foreign_keys
    ]
    assert keys == [(("other",), "parent", None), (("parent_id",), "parent", "CASCADE")]


def test_sqlite_inline_unique_is_enforced_as_directus_error(lite: Served) -> None:
    assert _data(lite.client.post("/items/child", json={"parent_id": 1, "slug": "s"}))
    response = lite.client.post("/items/child", json={"parent_id": 1, "slug": "s"})
    assert_error(response, 400, "RECORD_NOT_UNIQUE")
    assert json.loads(response.get_data())["errors"][0]["extensions"]["field"] == "slug"
