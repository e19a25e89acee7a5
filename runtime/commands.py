"""The generated app's `flask --app app dx …` command group.

Operations that need the app's settings and database (bootstrap, users, roles, permissions,
config) live here so every generated app gets them from the runtime, not from generated code.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import uuid
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from dxgen.runtime import system
from dxgen.runtime.auth.passwords import digest
from dxgen.runtime.config import Settings
from dxgen.runtime.permissions import CACHE as permissions_cache

dx = AppGroup("dx", help="dxgen administration: bootstrap, users, roles, permissions, config.")


@dx.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON instead of NAME=value lines.")
def config_command(as_json: bool) -> None:
    """Print the effective settings, secrets masked."""
    from flask import current_app

    settings: Settings = current_app.extensions["dxgen"].settings
    masked = settings.masked()
    if as_json:
        click.echo(json.dumps(masked, indent=2, sort_keys=True, default=str))
        return
    for name in sorted(masked):
        value = masked[name]
        if isinstance(value, tuple):
            value = ",".join(value)
        click.echo(f"{name}={'' if value is None else value}")


def install(app: Flask) -> None:
    app.cli.add_command(dx)


def _runtime() -> Any:
    from flask import current_app

    return current_app.extensions["dxgen"]


def _json_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not valid JSON: {error}", param_hint=name) from None
    if not isinstance(parsed, dict):
        raise click.BadParameter("must be a JSON object", param_hint=name)
    return parsed


def _role_id(conn: Any, name: str) -> str | None:
    """A role by name (or id); `public` is the public role (None)."""
    if name.lower() == "public":
        return None
    roles = system.roles
    condition = roles.c.name == name
    with contextlib.suppress(ValueError):  # an id is accepted too
        condition = sa.or_(condition, roles.c.id == str(uuid.UUID(name)))
    row = conn.execute(sa.select(roles.c.id).where(condition)).first()
    if row is None:
        raise click.ClickException(f"no role named {name!r}: create it with `dx roles create`")
    return str(row.id)


@dx.command("bootstrap")
def bootstrap_command() -> None:
    """Create or migrate dxgen's tables and the first admin (idempotent).

    The admin comes from ADMIN_EMAIL / ADMIN_PASSWORD (a random password is printed when
    unset) and ADMIN_TOKEN (an optional static token), like `directus bootstrap`.
    """
    rt = _runtime()
    settings: Settings = rt.settings
    before, version = system.ensure_schema(rt.engine)
    if before is None:
        click.echo(f"created dxgen's tables (schema version {version})")
    elif before != version:
        click.echo(f"migrated dxgen's tables from version {before} to {version}")
    else:
        click.echo(f"dxgen's tables are up to date (schema version {version})")
    email = settings.admin_email or "admin@example.com"
    users = system.users
    with rt.engine.begin() as conn:
        existing = conn.execute(sa.select(users.c.id).where(users.c.email == email)).first()
        anyone = conn.execute(sa.select(users.c.id).limit(1)).first()
        if existing is not None:
            if settings.admin_token:
                conn.execute(
                    sa.update(users)
                    .where(users.c.id == existing.id)
                    .values(token=digest(settings.admin_token))
                )
            click.echo(f"admin {email} already exists")
            return
        if anyone is not None:
            click.echo("users exist already; no admin created")
            return
        role = system.admin_role(conn)
        password = settings.admin_password or secrets.token_urlsafe(12)
        system.create_user(conn, email, password, role, settings.admin_token)
    click.echo(f"created admin {email}")
    if not settings.admin_password:
        click.echo(f"password: {password}")


@dx.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "role_name", default=None, help="Role name or id.")
@click.option("--token", default=None, help="A static access token for this user.")
@click.option("--first-name", default=None)
@click.option("--last-name", default=None)
def users_create(
    email: str,
    password: str,
    role_name: str | None,
    token: str | None,
    first_name: str | None,
    last_name: str | None,
) -> None:
    """Create an active user."""
    rt = _runtime()
    users = system.users
    with rt.engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first():
            raise click.ClickException(f"a user with email {email} exists already")
        role = _role_id(conn, role_name) if role_name else None
        user_id = system.create_user(
            conn, email, password, role, token, first_name=first_name, last_name=last_name
        )
    click.echo(f"created user {email} ({user_id})")


@dx.group("roles")
def roles_group() -> None:
    """Manage roles."""


@roles_group.command("create")
@click.option("--name", required=True)
@click.option("--admin/--no-admin", default=False, help="Bypass every permission check.")
@click.option("--app/--no-app", default=True, help="App access flag (carried in tokens).")
@click.option("--description", default=None)
def roles_create(name: str, admin: bool, app: bool, description: str | None) -> None:
    """Create a role."""
    rt = _runtime()
    roles = system.roles
    with rt.engine.begin() as conn:
        if conn.execute(sa.select(roles.c.id).where(roles.c.name == name)).first():
            raise click.ClickException(f"a role named {name!r} exists already")
        role_id = system.new_id()
        conn.execute(
            sa.insert(roles).values(
                id=role_id, name=name, admin_access=admin, app_access=app, description=description
            )
        )
    permissions_cache.clear()
    click.echo(f"created role {name} ({role_id})")


@dx.group("permissions")
def permissions_group() -> None:
    """Grant and revoke permissions."""


@permissions_group.command("grant")
@click.option("--role", "role_name", required=True, help="Role name or id; `public` = anonymous.")
@click.option("--collection", required=True)
@click.option(
    "--action",
    "actions",
    required=True,
    multiple=True,
    type=click.Choice(["create", "read", "update", "delete"]),
)
@click.option("--fields", default="*", show_default=True, help="Comma list or *.")
@click.option("--filter", "row_filter", default=None, help="Row filter (JSON), e.g. ownership.")
@click.option("--validation", default=None, help="Validation filter (JSON) for writes.")
@click.option("--presets", default=None, help="Default values (JSON object) for writes.")
def permissions_grant(
    role_name: str,
    collection: str,
    actions: tuple[str, ...],
    fields: str,
    row_filter: str | None,
    validation: str | None,
    presets: str | None,
) -> None:
    """Grant actions on a collection to a role (one permission row per action)."""
    rt = _runtime()
    if collection not in rt.registry:
        raise click.ClickException(f"no collection named {collection!r} in this app")
    values = {
        "collection": collection,
        "fields": fields,
        "permissions": _json_option(row_filter, "--filter"),
        "validation": _json_option(validation, "--validation"),
        "presets": _json_option(presets, "--presets"),
    }
    with rt.engine.begin() as conn:
        role = _role_id(conn, role_name)
        for action in actions:
            conn.execute(sa.insert(system.permissions).values(role=role, action=action, **values))
    permissions_cache.clear()
    click.echo(f"granted {', '.join(actions)} on {collection} to {role_name}")


@permissions_group.command("revoke")
@click.option("--role", "role_name", required=True)
@click.option("--collection", required=True)
@click.option("--action", "actions", multiple=True, help="Default: every action.")
def permissions_revoke(role_name: str, collection: str, actions: tuple[str, ...]) -> None:
    """Remove a role's permission rows on a collection."""
    rt = _runtime()
    table = system.permissions
    with rt.engine.begin() as conn:
        role = _role_id(conn, role_name)
        condition = sa.and_(
            table.c.role.is_(None) if role is None else table.c.role == role,
            table.c.collection == collection,
        )
        if actions:
            condition = sa.and_(condition, table.c.action.in_(actions))
        removed = conn.execute(sa.delete(table).where(condition)).rowcount
    permissions_cache.clear()
    click.echo(f"removed {removed} permission row(s)")
