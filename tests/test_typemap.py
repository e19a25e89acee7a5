"""SQL type -> Directus type (`dxgen.dialects.map_type`), contract §10.

Every row asserts the whole `MappedType`, so a changed range, length or flag fails as loudly as a
changed type name.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import types as sat
from sqlalchemy.dialects import mysql as my
from sqlalchemy.dialects import postgresql as pg

from dxgen.dialects import MappedType, map_type

INT16 = {"min_value": -(2**15), "max_value": 2**15 - 1}
INT32 = {"min_value": -(2**31), "max_value": 2**31 - 1}
INT64 = {"min_value": -(2**63), "max_value": 2**63 - 1}


class Geometry(sat.UserDefinedType[object]):
    """A custom type SQLAlchemy knows nothing about (PostGIS-like)."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "GEOMETRY"


def M(kind: str, **facts: object) -> MappedType:
    return MappedType(kind, **facts)  # type: ignore[arg-type]


CASES = [
    # --- generic SQLAlchemy types (any dialect without a special rule) ---
    pytest.param("", sa.Boolean(), "", M("boolean"), id="generic-boolean"),
    pytest.param("", sa.SmallInteger(), "", M("integer", **INT16), id="generic-smallint"),
    pytest.param("", sa.Integer(), "", M("integer", **INT32), id="generic-integer"),
    pytest.param("", sa.BigInteger(), "", M("bigInteger", **INT64), id="generic-bigint"),
    pytest.param("", sa.Float(), "", M("float"), id="generic-float"),
    pytest.param("", sa.Double(), "", M("float"), id="generic-double"),
    pytest.param(
        "", sa.Numeric(8, 3), "", M("decimal", precision=8, scale=3), id="generic-numeric-p-s"
    ),
    pytest.param("", sa.Numeric(), "", M("decimal"), id="generic-numeric-bare-stays-decimal"),
    pytest.param("", sa.String(20), "", M("string", max_length=20), id="generic-string-length"),
    pytest.param("", sa.String(), "", M("string"), id="generic-string-unbounded"),
    pytest.param("", sa.Unicode(10), "", M("string", max_length=10), id="generic-unicode"),
    pytest.param("", sa.Text(), "", M("text"), id="generic-text"),
    pytest.param("", sa.UnicodeText(), "", M("text"), id="generic-unicode-text"),
    pytest.param(
        "",
        sa.Enum("a", "bbb", name="e"),
        "",
        M("string", enum_values=("a", "bbb"), max_length=3),
        id="generic-enum",
    ),
    pytest.param("", sa.DateTime(), "", M("dateTime"), id="generic-datetime"),
    pytest.param("", sa.DateTime(timezone=True), "", M("timestamp"), id="generic-datetime-tz"),
    pytest.param("", sa.Date(), "", M("date"), id="generic-date"),
    pytest.param("", sa.Time(), "", M("time"), id="generic-time"),
    pytest.param("", sa.JSON(), "", M("json"), id="generic-json"),
    pytest.param("", sa.Uuid(), "", M("uuid"), id="generic-uuid"),
    pytest.param("", sa.LargeBinary(), "", M("binary"), id="generic-binary"),
    pytest.param("", sa.Interval(), "", M("string"), id="generic-interval"),
    pytest.param("oracle", sa.Integer(), "NUMBER", M("integer", **INT32), id="unknown-dialect"),
    # --- SQLite: the declared spelling decides ---
    pytest.param("sqlite", sat.NUMERIC(), "UUID", M("uuid"), id="sqlite-uuid"),
    pytest.param("sqlite", sat.NUMERIC(), "uuid", M("uuid"), id="sqlite-uuid-lower"),
    pytest.param("sqlite", sat.TIMESTAMP(), "TIMESTAMP", M("timestamp"), id="sqlite-timestamp"),
    pytest.param("sqlite", sat.TIMESTAMP(), "timestamptz", M("timestamp"), id="sqlite-timestamptz"),
    pytest.param("sqlite", sat.DATETIME(), "DATETIME", M("dateTime"), id="sqlite-datetime"),
    pytest.param("sqlite", sat.DATETIME(), "DATETIME(6)", M("dateTime"), id="sqlite-datetime-6"),
    pytest.param("sqlite", sat.BOOLEAN(), "BOOLEAN", M("boolean"), id="sqlite-boolean"),
    pytest.param("sqlite", sat.NUMERIC(), "BOOL", M("boolean"), id="sqlite-bool"),
    pytest.param("sqlite", sat.JSON(), "JSON", M("json"), id="sqlite-json"),
    pytest.param("sqlite", sat.NUMERIC(), "JSONB", M("json"), id="sqlite-jsonb"),
    pytest.param(
        "sqlite",
        sat.NUMERIC(10, 2),
        "DECIMAL(10,2)",
        M("decimal", precision=10, scale=2),
        id="sqlite-decimal-p-s",
    ),
    pytest.param(
        "sqlite",
        sat.NUMERIC(8, 3),
        "decimal ( 8 , 3 )",
        M("decimal", precision=8, scale=3),
        id="sqlite-decimal-spaced",
    ),
    pytest.param(
        "sqlite",
        sat.NUMERIC(10),
        "NUMERIC(10)",
        M("decimal", precision=10, scale=0),
        id="sqlite-numeric-precision-only",
    ),
    pytest.param("sqlite", sat.NUMERIC(), "NUMERIC", M("decimal"), id="sqlite-numeric-bare"),
    pytest.param("sqlite", sat.BIGINT(), "BIGINT", M("bigInteger", **INT64), id="sqlite-bigint"),
    pytest.param(
        "sqlite", sat.INTEGER(), "INT8", M("bigInteger", **INT64), id="sqlite-int8-is-bigint"
    ),
    pytest.param("sqlite", sat.INTEGER(), "INT", M("integer", **INT64), id="sqlite-int-64-bit"),
    pytest.param("sqlite", sat.INTEGER(), "INTEGER", M("integer", **INT64), id="sqlite-integer"),
    pytest.param(
        "sqlite", sat.SMALLINT(), "SMALLINT", M("integer", **INT64), id="sqlite-smallint-affinity"
    ),
    pytest.param("sqlite", sat.TEXT(), "TEXT", M("text"), id="sqlite-text"),
    pytest.param(
        "sqlite", sat.VARCHAR(20), "VARCHAR(20)", M("string", max_length=20), id="sqlite-varchar"
    ),
    pytest.param("sqlite", sat.DATE(), "DATE", M("date"), id="sqlite-date"),
    pytest.param("sqlite", sat.TIME(), "TIME", M("time"), id="sqlite-time"),
    pytest.param("sqlite", sat.REAL(), "REAL", M("float"), id="sqlite-real"),
    pytest.param("sqlite", sat.BLOB(), "BLOB", M("binary"), id="sqlite-blob"),
    pytest.param(
        "sqlite",
        sat.NullType(),
        "",
        M("string", warning="column without a declared type served as a string"),
        id="sqlite-no-declared-type",
    ),
    pytest.param(
        "sqlite",
        sat.NullType(),
        "   ",
        M("string", warning="column without a declared type served as a string"),
        id="sqlite-blank-declared-type",
    ),
    # --- PostgreSQL ---
    pytest.param(
        "postgresql", pg.ARRAY(sa.Integer()), "INTEGER[]", M("json", readonly=True), id="pg-array"
    ),
    pytest.param(
        "postgresql",
        pg.ENUM("draft", "published", name="status"),
        "status",
        M("string", enum_values=("draft", "published")),
        id="pg-enum",
    ),
    pytest.param("postgresql", pg.JSONB(), "JSONB", M("json"), id="pg-jsonb"),
    pytest.param("postgresql", pg.JSON(), "JSON", M("json"), id="pg-json"),
    pytest.param("postgresql", pg.UUID(), "UUID", M("uuid"), id="pg-uuid"),
    pytest.param(
        "postgresql",
        pg.TIMESTAMP(timezone=True),
        "TIMESTAMP WITH TIME ZONE",
        M("timestamp"),
        id="pg-timestamptz",
    ),
    pytest.param(
        "postgresql",
        pg.TIMESTAMP(),
        "TIMESTAMP WITHOUT TIME ZONE",
        M("dateTime"),
        id="pg-timestamp",
    ),
    pytest.param(
        "postgresql", pg.TIME(timezone=True), "TIME WITH TIME ZONE", M("time"), id="pg-timetz"
    ),
    pytest.param("postgresql", pg.INET(), "INET", M("string"), id="pg-inet"),
    pytest.param("postgresql", pg.CIDR(), "CIDR", M("string"), id="pg-cidr"),
    pytest.param("postgresql", pg.MACADDR(), "MACADDR", M("string"), id="pg-macaddr"),
    pytest.param("postgresql", pg.MONEY(), "MONEY", M("float", readonly=True), id="pg-money"),
    pytest.param("postgresql", pg.INTERVAL(), "INTERVAL", M("string"), id="pg-interval"),
    pytest.param(
        "postgresql", pg.TSVECTOR(), "TSVECTOR", M("text", readonly=True), id="pg-tsvector"
    ),
    pytest.param("postgresql", pg.CITEXT(), "CITEXT", M("text"), id="pg-citext"),
    pytest.param("postgresql", pg.BYTEA(), "BYTEA", M("binary"), id="pg-bytea"),
    pytest.param("postgresql", pg.NUMERIC(), "NUMERIC", M("decimal"), id="pg-numeric-bare"),
    pytest.param(
        "postgresql",
        pg.NUMERIC(10, 2),
        "NUMERIC(10, 2)",
        M("decimal", precision=10, scale=2),
        id="pg-numeric-p-s",
    ),
    pytest.param(
        "postgresql", pg.DOUBLE_PRECISION(), "DOUBLE PRECISION", M("float"), id="pg-double"
    ),
    pytest.param("postgresql", pg.SMALLINT(), "SMALLINT", M("integer", **INT16), id="pg-smallint"),
    pytest.param("postgresql", pg.INTEGER(), "INTEGER", M("integer", **INT32), id="pg-integer"),
    pytest.param("postgresql", pg.BIGINT(), "BIGINT", M("bigInteger", **INT64), id="pg-bigint"),
    pytest.param(
        "postgresql", pg.VARCHAR(50), "VARCHAR(50)", M("string", max_length=50), id="pg-varchar"
    ),
    pytest.param("postgresql", pg.CHAR(3), "CHAR(3)", M("string", max_length=3), id="pg-char"),
    pytest.param("postgresql", pg.BOOLEAN(), "BOOLEAN", M("boolean"), id="pg-boolean"),
    # --- MySQL / MariaDB ---
    pytest.param(
        "mysql", my.TINYINT(display_width=1), "TINYINT(1)", M("boolean"), id="mysql-tinyint-1"
    ),
    pytest.param(
        "mariadb", my.TINYINT(display_width=1), "TINYINT(1)", M("boolean"), id="mariadb-tinyint-1"
    ),
    pytest.param(
        "mysql",
        my.TINYINT(),
        "TINYINT",
        M("integer", min_value=-128, max_value=127),
        id="mysql-tinyint",
    ),
    pytest.param(
        "mysql",
        my.TINYINT(display_width=4),
        "TINYINT(4)",
        M("integer", min_value=-128, max_value=127),
        id="mysql-tinyint-4-not-boolean",
    ),
    pytest.param(
        "mysql",
        my.TINYINT(unsigned=True),
        "TINYINT UNSIGNED",
        M("integer", min_value=0, max_value=255),
        id="mysql-tinyint-unsigned",
    ),
    pytest.param("mysql", my.SMALLINT(), "SMALLINT", M("integer", **INT16), id="mysql-smallint"),
    pytest.param(
        "mysql",
        my.SMALLINT(unsigned=True),
        "SMALLINT UNSIGNED",
        M("integer", min_value=0, max_value=65535),
        id="mysql-smallint-unsigned",
    ),
    pytest.param(
        "mysql",
        my.MEDIUMINT(),
        "MEDIUMINT",
        M("integer", min_value=-(2**23), max_value=2**23 - 1),
        id="mysql-mediumint",
    ),
    pytest.param(
        "mysql",
        my.MEDIUMINT(unsigned=True),
        "MEDIUMINT UNSIGNED",
        M("integer", min_value=0, max_value=2**24 - 1),
        id="mysql-mediumint-unsigned",
    ),
    pytest.param("mysql", my.INTEGER(), "INT", M("integer", **INT32), id="mysql-int"),
    pytest.param(
        "mysql", my.INTEGER(display_width=11), "INT(11)", M("integer", **INT32), id="mysql-int-11"
    ),
    pytest.param(
        "mysql",
        my.INTEGER(unsigned=True),
        "INT UNSIGNED",
        M("integer", min_value=0, max_value=2**32 - 1),
        id="mysql-int-unsigned",
    ),
    pytest.param("mysql", my.BIGINT(), "BIGINT", M("bigInteger", **INT64), id="mysql-bigint"),
    pytest.param(
        "mariadb",
        my.BIGINT(unsigned=True),
        "BIGINT UNSIGNED",
        M("bigInteger", min_value=0, max_value=2**64 - 1),
        id="mariadb-bigint-unsigned",
    ),
    pytest.param(
        "mysql", my.YEAR(), "YEAR", M("integer", min_value=1901, max_value=2155), id="mysql-year"
    ),
    pytest.param("mysql", my.TIMESTAMP(), "TIMESTAMP", M("timestamp"), id="mysql-timestamp"),
    pytest.param("mysql", my.DATETIME(), "DATETIME", M("dateTime"), id="mysql-datetime"),
    pytest.param(
        "mariadb", my.DATETIME(fsp=6), "DATETIME(6)", M("dateTime"), id="mariadb-datetime-fsp"
    ),
    pytest.param(
        "mysql",
        my.ENUM("small", "large"),
        "ENUM('small','large')",
        M("string", enum_values=("small", "large")),
        id="mysql-enum",
    ),
    pytest.param("mysql", my.SET("a", "b"), "SET('a','b')", M("string"), id="mysql-set"),
    pytest.param("mysql", my.LONGTEXT(), "LONGTEXT", M("text"), id="mysql-longtext"),
    pytest.param("mariadb", my.MEDIUMTEXT(), "MEDIUMTEXT", M("text"), id="mariadb-mediumtext"),
    pytest.param("mysql", my.TINYTEXT(), "TINYTEXT", M("text"), id="mysql-tinytext"),
    pytest.param("mysql", my.TEXT(), "TEXT", M("text"), id="mysql-text"),
    pytest.param("mysql", my.JSON(), "JSON", M("json"), id="mysql-json"),
    pytest.param(
        "mysql",
        my.DECIMAL(10, 2),
        "DECIMAL(10,2)",
        M("decimal", precision=10, scale=2),
        id="mysql-decimal",
    ),
    pytest.param("mysql", my.DOUBLE(), "DOUBLE", M("float"), id="mysql-double"),
    pytest.param("mysql", my.FLOAT(), "FLOAT", M("float"), id="mysql-float"),
    pytest.param(
        "mysql", my.VARCHAR(255), "VARCHAR(255)", M("string", max_length=255), id="mysql-varchar"
    ),
    pytest.param("mysql", my.CHAR(36), "CHAR(36)", M("string", max_length=36), id="mysql-char-36"),
    pytest.param("mysql", my.VARBINARY(16), "VARBINARY(16)", M("binary"), id="mysql-varbinary"),
    pytest.param("mysql", my.BLOB(), "BLOB", M("binary"), id="mysql-blob"),
    pytest.param("mariadb", sa.Uuid(), "UUID", M("uuid"), id="mariadb-uuid"),
    # --- unknown types: a string with a warning ---
    pytest.param(
        "",
        sat.NullType(),
        "",
        M("string", warning="unknown type 'NullType' served as a string"),
        id="nulltype-undeclared",
    ),
    pytest.param(
        "postgresql",
        sat.NullType(),
        "geometry",
        M("string", warning="unknown type 'geometry' served as a string"),
        id="pg-nulltype-declared",
    ),
    pytest.param(
        "sqlite",
        sat.NullType(),
        "GEOMETRY",
        M("string", warning="unknown type 'GEOMETRY' served as a string"),
        id="sqlite-unknown-declared",
    ),
    pytest.param(
        "postgresql",
        Geometry(),
        "geometry(Point,4326)",
        M("string", warning="unknown type 'geometry(Point,4326)' served as a string"),
        id="user-defined-declared",
    ),
    pytest.param(
        "mysql",
        Geometry(),
        "",
        M("string", warning="unknown type 'Geometry' served as a string"),
        id="user-defined-undeclared",
    ),
    pytest.param(
        "postgresql",
        pg.INT4RANGE(),
        "INT4RANGE",
        M("string", warning="unknown type 'INT4RANGE' served as a string"),
        id="pg-range",
    ),
    pytest.param(
        "",
        sa.PickleType(),
        "",
        M("string", warning="unknown type 'PickleType' served as a string"),
        id="type-decorator",
    ),
]


@pytest.mark.parametrize(("dialect", "sa_type", "declared", "expected"), CASES)
def test_map_type(
    dialect: str, sa_type: sat.TypeEngine[object], declared: str, expected: MappedType
) -> None:
    """The full mapped fact set: type, length, precision/scale, range, enum, readonly, warning."""
    assert map_type(dialect, sa_type, declared) == expected


@pytest.mark.parametrize(
    "dialect", ["sqlite", "postgresql", "mysql", "mariadb", "mssql", ""], ids=lambda d: d or "none"
)
@pytest.mark.parametrize(
    "sa_type",
    [
        pytest.param(sat.NullType(), id="nulltype"),
        pytest.param(Geometry(), id="user-defined"),
    ],
)
def test_unknown_type_never_crashes(dialect: str, sa_type: sat.TypeEngine[object]) -> None:
    """Whatever the dialect, an unknown type is served as a string and explained, never raised."""
    mapped = map_type(dialect, sa_type, "MYSTERY")
    assert mapped.type == "string"
    assert mapped.warning == "unknown type 'MYSTERY' served as a string"
    assert mapped.readonly is False


def test_mapped_type_is_frozen() -> None:
    """The mapping is shared between columns; it must not be mutable."""
    mapped = map_type("", sa.Integer(), "")
    with pytest.raises(AttributeError):
        mapped.type = "string"  # type: ignore[misc]
