"""Who an external identity is here: find the linked user, or register one, then check them.

Users are linked by `external_identifier` (compared case-insensitively, as Directus does) and
must belong to the provider that vouches for them: an identity that matches another provider's
user, or whose email is already taken by a local account, is refused with INVALID_PROVIDER
instead of being merged silently into someone else's account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dxgen.runtime import system
from dxgen.runtime.errors import (
    InvalidCredentialsError,
    InvalidProviderError,
    UserSuspendedError,
)


@dataclass(frozen=True)
class Identity:
    """What a provider told us about the person signing in."""

    external_identifier: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    auth_data: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Registration:
    """How a provider treats identities it has not seen: may they register, with which role, and
    is the role re-derived (LDAP groups) at every sign-in?"""

    provider: str
    allowed: bool
    role: str | None
    refresh_role: bool = False


def _find(conn: Connection, identifier: str) -> sa.Row | None:
    users = system.users
    query = sa.select(users.c.id, users.c.status, users.c.provider, users.c.role).where(
        sa.func.lower(users.c.external_identifier) == identifier.lower()
    )
    return conn.execute(query).first()


def _create(conn: Connection, identity: Identity, registration: Registration) -> str:
    user_id = system.new_id()
    conn.execute(
        sa.insert(system.users).values(
            id=user_id,
            email=identity.email,
            first_name=identity.first_name,
            last_name=identity.last_name,
            provider=registration.provider,
            external_identifier=identity.external_identifier,
            auth_data=identity.auth_data,
            role=registration.role,
            status="active",
        )
    )
    return user_id


def _check(user: sa.Row, provider: str) -> None:
    """Directus's order: suspended, then any other inactive status, then the provider."""
    if user.status == "suspended":
        raise UserSuspendedError()
    if user.status != "active":
        raise InvalidCredentialsError()
    if user.provider != provider:
        raise InvalidProviderError()


def sign_in(engine: Engine, identity: Identity, registration: Registration) -> str:
    """The id of the active user behind `identity`, registering them when allowed.

    Raises INVALID_CREDENTIALS (unknown and registration closed, or inactive), USER_SUSPENDED,
    INVALID_PROVIDER (the identity or its email belongs to an account of another provider)."""
    try:
        with engine.begin() as conn:
            user = _find(conn, identity.external_identifier)
            if user is None:
                if not registration.allowed:
                    raise InvalidCredentialsError()
                return _create(conn, identity, registration)
            _check(user, registration.provider)
            if registration.refresh_role and user.role != registration.role:
                conn.execute(
                    sa.update(system.users)
                    .where(system.users.c.id == user.id)
                    .values(role=registration.role)
                )
            return str(user.id)
    except sa.exc.IntegrityError:
        raise InvalidProviderError() from None


def role_named(engine: Engine, names: list[str]) -> str | None:
    """The id of the first role whose name equals one of `names`, case-insensitively."""
    if not names:
        return None
    wanted = [name.lower() for name in names]
    roles = system.roles
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(roles.c.id, roles.c.name).where(sa.func.lower(roles.c.name).in_(wanted))
        ).all()
    by_name = {row.name.lower(): str(row.id) for row in rows}
    return next((by_name[name] for name in wanted if name in by_name), None)
