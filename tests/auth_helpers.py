"""Test identities: every generated app's database gets dxgen's tables and an admin with a
static token, and Flask's test client sends that token unless a test asks for anonymity.

Permissions are on in every generated app (the public role can do nothing by default), so
tests about queries act as the admin; tests about permissions use `anonymous()` and users
they create themselves.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dxgen.runtime import system
from dxgen.runtime.permissions import CACHE

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password"
ADMIN_TOKEN = "dxgen-test-admin-token"
ADMIN_HEADER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bootstrap(engine: sa.Engine) -> str:
    """dxgen's tables and the admin (idempotent); returns the admin's id."""
    system.ensure_schema(engine)
    users = system.users
    with engine.begin() as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.email == ADMIN_EMAIL)).first()
        if row is not None:
            return str(row.id)
        role = system.admin_role(conn)
        return system.create_user(conn, ADMIN_EMAIL, ADMIN_PASSWORD, role, ADMIN_TOKEN)


def bootstrap_url(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        return bootstrap(engine)
    finally:
        engine.dispose()


def ensure_admin(app: Flask) -> None:
    runtime = app.extensions["dxgen"]
    if not app.extensions.get("dxgen_test_admin"):
        bootstrap(runtime.engine)
        app.extensions["dxgen_test_admin"] = True


class AdminClient(FlaskClient):
    """A test client that authenticates as the admin unless the request says otherwise
    (its own Authorization header or `?access_token=`)."""

    def __init__(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        ensure_admin(app)
        super().__init__(app, *args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> Any:
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        headers = dict(kwargs.pop("headers", None) or {})
        if "Authorization" not in headers and "access_token=" not in str(path):
            headers.update(ADMIN_HEADER)
        return super().open(*args, headers=headers, **kwargs)


def anonymous(app: Flask) -> FlaskClient:
    """A client with no credentials (the public role)."""
    ensure_admin(app)
    return FlaskClient(app, app.response_class, use_cookies=True)


def create_user(
    app: Flask, email: str, password: str = "secret-password", role: str | None = None, **extra: Any
) -> str:
    """An active user (with an optional role id); returns the id."""
    ensure_admin(app)
    with app.extensions["dxgen"].engine.begin() as conn:
        return system.create_user(conn, email, password, role, **extra)


def create_role(app: Flask, name: str, admin: bool = False) -> str:
    ensure_admin(app)
    role_id = system.new_id()
    with app.extensions["dxgen"].engine.begin() as conn:
        conn.execute(sa.insert(system.roles).values(id=role_id, name=name, admin_access=admin))
    return role_id


def grant(
    app: Flask,
    role: str | None,
    collection: str,
    action: str,
    fields: str = "*",
    permissions: dict | None = None,
    validation: dict | None = None,
    presets: dict | None = None,
) -> int:
    """A permission row (role None = public); returns its id."""
    ensure_admin(app)
    with app.extensions["dxgen"].engine.begin() as conn:
        result = conn.execute(
            sa.insert(system.permissions).values(
                role=role,
                collection=collection,
                action=action,
                fields=fields,
                permissions=permissions,
                validation=validation,
                presets=presets,
            )
        )
        permission_id = result.inserted_primary_key[0]
    CACHE.clear()
    return int(permission_id)


def revoke_all(app: Flask, role: str | None) -> None:
    table = system.permissions
    condition = table.c.role.is_(None) if role is None else table.c.role == role
    with app.extensions["dxgen"].engine.begin() as conn:
        conn.execute(sa.delete(table).where(condition))
    CACHE.clear()
