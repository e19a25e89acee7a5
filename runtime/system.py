"""dxgen's own tables (users, roles, permissions, sessions, files) and their versioned set-up.

They live in the user's database next to the app's tables, prefixed `dxgen_` so introspection
never serves them as collections. `ensure_schema` creates what is missing and then runs the
migrations newer than the version recorded in `dxgen_meta`, so a later dxgen can change these
tables in place without the user running anything but `dx bootstrap` again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dxgen.runtime import operators as ops
from dxgen.runtime import sqltypes as types
from dxgen.runtime.model import Collection, Field, ManyToOne, OneToMany, Relation

SCHEMA_VERSION = 1
METADATA = sa.MetaData()


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


meta = sa.Table(
    "dxgen_meta",
    METADATA,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)

roles = sa.Table(
    "dxgen_roles",
    METADATA,
    sa.Column("id", types.Uuid(), primary_key=True, default=new_id),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("icon", sa.String(64), nullable=False, default="supervised_user_circle"),
    sa.Column("description", sa.Text),
    sa.Column("admin_access", types.Boolean(), nullable=False, default=False),
    sa.Column("app_access", types.Boolean(), nullable=False, default=True),
)

users = sa.Table(
    "dxgen_users",
    METADATA,
    sa.Column("id", types.Uuid(), primary_key=True, default=new_id),
    sa.Column("first_name", sa.String(50)),
    sa.Column("last_name", sa.String(50)),
    sa.Column("email", sa.String(128), unique=True),
    sa.Column("password", sa.String(255)),
    sa.Column("location", sa.String(255)),
    sa.Column("title", sa.String(50)),
    sa.Column("description", sa.Text),
    sa.Column("tags", types.Json()),
    sa.Column("avatar", types.Uuid()),
    sa.Column("language", sa.String(255)),
    sa.Column("status", sa.String(16), nullable=False, default="active"),
    sa.Column("role", types.Uuid(), sa.ForeignKey("dxgen_roles.id", ondelete="SET NULL")),
    # sha256 of the static token: a leaked database does not leak working tokens
    sa.Column("token", sa.String(64), unique=True),
    sa.Column("last_access", types.Timestamp()),
    sa.Column("last_page", sa.String(255)),
    sa.Column("provider", sa.String(128), nullable=False, default="default"),
    sa.Column("external_identifier", sa.String(255), unique=True),
    sa.Column("auth_data", types.Json()),
    sa.Column("email_notifications", types.Boolean(), default=True),
    # consecutive failed logins, shared by every worker; never served
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
)

permissions = sa.Table(
    "dxgen_permissions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # NULL role = the public role (anonymous callers), as Directus's public policy
    sa.Column("role", types.Uuid(), sa.ForeignKey("dxgen_roles.id", ondelete="CASCADE")),
    sa.Column("collection", sa.String(64), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("permissions", types.Json()),
    sa.Column("validation", types.Json()),
    sa.Column("presets", types.Json()),
    sa.Column("fields", sa.Text),
)

sessions = sa.Table(
    "dxgen_sessions",
    METADATA,
    # sha256 of the refresh token; the token itself is only ever known to the client
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column(
        "user", types.Uuid(), sa.ForeignKey("dxgen_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("expires", types.Timestamp(), nullable=False),
    sa.Column("ip", sa.String(255)),
    sa.Column("user_agent", sa.Text),
    sa.Column("origin", sa.String(255)),
)

files = sa.Table(
    "dxgen_files",
    METADATA,
    sa.Column("id", types.Uuid(), primary_key=True, default=new_id),
    sa.Column("storage", sa.String(255), nullable=False),
    sa.Column("filename_disk", sa.String(255)),
    sa.Column("filename_download", sa.String(255), nullable=False),
    sa.Column("title", sa.String(255)),
    sa.Column("type", sa.String(255)),
    sa.Column("folder", types.Uuid()),
    sa.Column("uploaded_by", types.Uuid(), sa.ForeignKey("dxgen_users.id", ondelete="SET NULL")),
    sa.Column("created_on", types.Timestamp(), nullable=False, default=now),
    sa.Column("modified_by", types.Uuid(), sa.ForeignKey("dxgen_users.id", ondelete="SET NULL")),
    sa.Column("modified_on", types.Timestamp(), nullable=False, default=now),
    sa.Column("charset", sa.String(50)),
    sa.Column("filesize", sa.BigInteger, nullable=False, default=0),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("duration", sa.Integer),
    sa.Column("embed", sa.String(200)),
    sa.Column("description", sa.Text),
    sa.Column("location", sa.Text),
    sa.Column("tags", sa.Text),
    sa.Column("metadata", types.Json()),
    sa.Column("focal_point_x", sa.Integer),
    sa.Column("focal_point_y", sa.Integer),
    sa.Column("tus_id", sa.String(64)),
    sa.Column("tus_data", types.Json()),
    sa.Column("uploaded_on", types.Timestamp()),
)

# version -> the change that brings the tables from version-1 to version; append, never edit
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def schema_version(conn: Connection) -> int | None:
    """The recorded version, or None when dxgen's tables were never created here."""
    if not sa.inspect(conn).has_table(meta.name):
        return None
    row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else None


def ensure_schema(engine: Engine) -> tuple[int | None, int]:
    """Create or migrate dxgen's tables; returns (version before, version now). Idempotent."""
    with engine.begin() as conn:
        before = schema_version(conn)
        METADATA.create_all(conn, checkfirst=True)
        current = before or 0
        for version in sorted(v for v in MIGRATIONS if v > current):
            MIGRATIONS[version](conn)
        if before is None:
            conn.execute(sa.insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif before != SCHEMA_VERSION:
            conn.execute(
                sa.update(meta)
                .where(meta.c.key == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )
    return before, SCHEMA_VERSION


# -- the same tables as collections, served at /users, /roles, /permissions, /files -----------

_OPERATORS_BY_TYPE = {
    "uuid": "UUID",
    "string": "STRING",
    "text": "STRING",
    "integer": "NUMERIC",
    "bigInteger": "NUMERIC",
    "boolean": "BOOLEAN",
    "json": "JSON",
    "timestamp": "TIMESTAMP",
    "hash": "CONCEALED",
    "csv": "STRING",
}


def _collection(
    name: str,
    table: sa.Table,
    types_by_column: dict[str, str],
    relations: tuple[Relation, ...] = (),
    hidden: tuple[str, ...] = (),
) -> Collection:
    """A system collection over `table`; `hidden` columns are never served."""
    fields = []
    for column in table.columns:
        if column.name in hidden:
            continue
        field_type = types_by_column[column.name]
        length = getattr(column.type, "length", None)
        fields.append(
            Field(
                str(column.name),  # a plain str: orjson refuses str subclasses as keys
                field_type,
                getattr(ops, _OPERATORS_BY_TYPE[field_type]),
                nullable=column.nullable is not False and not column.primary_key,
                primary_key=column.primary_key,
                has_default=column.default is not None or column.primary_key,
                auto=column.primary_key and field_type == "integer",
                unique=bool(column.unique),
                max_length=length if field_type == "string" else None,
            )
        )
    return Collection(
        name,
        table,
        tuple(fields),
        primary_key=tuple(str(c.name) for c in table.primary_key.columns),
        relations=relations,
    )


def _types(table: sa.Table, **special: str) -> dict[str, str]:
    """Directus field types by column, from the SQLAlchemy types, with `special` overrides."""
    by_class = {
        types.Uuid: "uuid",
        types.Boolean: "boolean",
        types.Json: "json",
        types.Timestamp: "timestamp",
        sa.Integer: "integer",
        sa.BigInteger: "bigInteger",
        sa.String: "string",
        sa.Text: "text",
    }
    result = {}
    for column in table.columns:
        found = next(t for cls, t in by_class.items() if type(column.type) is cls)
        result[column.name] = special.get(column.name, found)
    return result


USERS = "directus_users"
ROLES = "directus_roles"
PERMISSIONS = "directus_permissions"
FILES = "directus_files"

USERS_COLLECTION = _collection(
    USERS,
    users,
    _types(users, password="hash", token="hash"),
    relations=(ManyToOne("role", ROLES, "id"),),
    hidden=("failed_logins",),
)
ROLES_COLLECTION = _collection(
    ROLES,
    roles,
    _types(roles),
    relations=(OneToMany("users", USERS, "role"),),
)
PERMISSIONS_COLLECTION = _collection(
    PERMISSIONS,
    permissions,
    _types(permissions, fields="csv"),
    relations=(ManyToOne("role", ROLES, "id"),),
)
FILES_COLLECTION = _collection(
    FILES,
    files,
    _types(files),
    relations=(
        ManyToOne("uploaded_by", USERS, "id"),
        ManyToOne("modified_by", USERS, "id"),
    ),
)
SYSTEM_COLLECTIONS = (USERS_COLLECTION, ROLES_COLLECTION, PERMISSIONS_COLLECTION, FILES_COLLECTION)


# -- the few writes every entry point (bootstrap, CLI, tests) shares ---------------------------


def admin_role(conn: Connection) -> str:
    """The id of the "Administrator" role, created when missing."""
    row = conn.execute(sa.select(roles.c.id).where(roles.c.name == "Administrator")).first()
    if row is not None:
        return str(row.id)
    role_id = new_id()
    conn.execute(
        sa.insert(roles).values(
            id=role_id,
            name="Administrator",
            icon="verified",
            description="Initial administrative role with unrestricted access",
            admin_access=True,
            app_access=True,
        )
    )
    return role_id


def create_user(
    conn: Connection,
    email: str,
    password: str,
    role: str | None = None,
    token: str | None = None,
    **extra: object,
) -> str:
    """An active local user (password hashed, static token stored as its digest); its id."""
    from dxgen.runtime.auth.passwords import digest, hash_password

    user_id = new_id()
    conn.execute(
        sa.insert(users).values(
            id=user_id,
            email=email,
            password=hash_password(password),
            role=role,
            status="active",
            token=digest(token) if token else None,
            **extra,
        )
    )
    return user_id
