"""Refresh-token sessions: created at login, rotated on every refresh, deleted at logout.

The database is the only state (several workers and hosts share it). A refresh token is stored
as its SHA-256 only; rotating it renames the session row in one UPDATE, so a reused (rotated or
logged-out) token matches nothing and is refused.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.engine import Connection

from dxgen.runtime import system
from dxgen.runtime.auth import tokens
from dxgen.runtime.auth.passwords import digest
from dxgen.runtime.config import Settings
from dxgen.runtime.errors import InvalidCredentialsError, UserSuspendedError
from dxgen.runtime.web import runtime

MODES = ("json", "cookie", "session")


def user_query() -> sa.Select[Any]:
    """A user with the access flags of their role."""
    users, roles = system.users, system.roles
    return sa.select(
        users.c.id,
        users.c.email,
        users.c.status,
        users.c.role,
        users.c.password,
        users.c.provider,
        users.c.failed_logins,
        sa.func.coalesce(roles.c.admin_access, False).label("admin_access"),
        sa.func.coalesce(roles.c.app_access, False).label("app_access"),
    ).select_from(users.outerjoin(roles, roles.c.id == users.c.role))


def load_user(conn: Connection, user_id: str) -> dict[str, Any] | None:
    row = conn.execute(user_query().where(system.users.c.id == user_id)).first()
    return dict(row._mapping) if row else None


def check_active(user: dict[str, Any] | None) -> dict[str, Any]:
    """Only active users may hold tokens: suspended ones are told so, the rest are not."""
    if user is None:
        raise InvalidCredentialsError()
    if user["status"] == "suspended":
        raise UserSuspendedError()
    if user["status"] != "active":
        raise InvalidCredentialsError()
    return user


def _new_token() -> str:
    return secrets.token_urlsafe(48)  # 64 characters, like Directus's nanoid(64)


def _now() -> datetime:
    return datetime.now(UTC)


def grant(user_id: str, mode: str, response: Response | None = None) -> dict[str, Any]:
    """Start a session for a user who has proven who they are (password, SSO): the `data` of
    a login response for `mode`, with the cookies it needs set on `response`."""
    rt = runtime()
    settings = rt.settings
    token = _new_token()
    with rt.engine.begin() as conn:
        user = check_active(load_user(conn, user_id))
        conn.execute(
            sa.insert(system.sessions).values(
                token=digest(token),
                user=user["id"],
                expires=_now() + timedelta(milliseconds=settings.refresh_token_ttl),
                ip=request.remote_addr if request else None,
                user_agent=request.headers.get("User-Agent") if request else None,
                origin=request.headers.get("Origin") if request else None,
            )
        )
        conn.execute(
            sa.update(system.users)
            .where(system.users.c.id == user["id"])
            .values(last_access=_now())
        )
    return _issue(settings, user, token, mode, response)


def refresh(
    token: str | None, session: str | None, mode: str, response: Response
) -> dict[str, Any]:
    """Rotate the session of a refresh token (or of a session cookie's `session` claim)."""
    rt = runtime()
    settings = rt.settings
    old = session or digest(token or "")
    new = _new_token()
    with rt.engine.begin() as conn:
        row = conn.execute(
            sa.select(system.sessions.c.user, system.sessions.c.expires).where(
                system.sessions.c.token == old
            )
        ).first()
        if row is None or _aware(row.expires) < _now():
            raise InvalidCredentialsError()
        user = check_active(load_user(conn, row.user))
        rotated = conn.execute(
            sa.update(system.sessions)
            .where(system.sessions.c.token == old)
            .values(
                token=digest(new),
                expires=_now() + timedelta(milliseconds=settings.refresh_token_ttl),
            )
        )
        if rotated.rowcount != 1:  # a concurrent refresh won the race
            raise InvalidCredentialsError()
    return _issue(settings, user, new, mode, response)


def end(token: str | None, session: str | None, response: Response) -> None:
    """Log out: the session is gone; an unknown token is not an error (as in Directus)."""
    rt = runtime()
    key = session or digest(token or "")
    with rt.engine.begin() as conn:
        conn.execute(sa.delete(system.sessions).where(system.sessions.c.token == key))
    clear_cookies(rt.settings, response)


def end_all(conn: Connection, user_id: str) -> None:
    """Every session of a user (after a password reset)."""
    conn.execute(sa.delete(system.sessions).where(system.sessions.c.user == user_id))


def session_exists(conn: Connection, session: str) -> bool:
    row = conn.execute(
        sa.select(system.sessions.c.expires).where(system.sessions.c.token == session)
    ).first()
    return row is not None and _aware(row.expires) >= _now()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _issue(
    settings: Settings, user: dict[str, Any], token: str, mode: str, response: Response | None
) -> dict[str, Any]:
    claims = tokens.access_claims(user)
    if mode == "session":
        jwt = tokens.sign(
            settings, {**claims, "session": digest(token)}, settings.session_cookie_ttl
        )
        if response is not None:
            _set_cookie(response, settings, "session", jwt, settings.session_cookie_ttl)
        return {"expires": settings.session_cookie_ttl}
    access = tokens.sign(settings, claims, settings.access_token_ttl)
    if mode == "cookie":
        if response is not None:
            _set_cookie(response, settings, "refresh", token, settings.refresh_token_ttl)
        return {"expires": settings.access_token_ttl, "access_token": access}
    return {"expires": settings.access_token_ttl, "refresh_token": token, "access_token": access}


def _set_cookie(response: Response, settings: Settings, kind: str, value: str, ttl: int) -> None:
    prefix = "session_cookie" if kind == "session" else "refresh_token_cookie"
    response.set_cookie(
        getattr(settings, f"{prefix}_name"),
        value,
        max_age=ttl // 1000,
        expires=_now() + timedelta(milliseconds=ttl),
        path="/",
        domain=getattr(settings, f"{prefix}_domain"),
        secure=getattr(settings, f"{prefix}_secure"),
        httponly=True,
        samesite=getattr(settings, f"{prefix}_same_site").capitalize(),
    )


def clear_cookies(settings: Settings, response: Response) -> None:
    for prefix in ("session_cookie", "refresh_token_cookie"):
        if getattr(settings, f"{prefix}_name") in request.cookies:
            response.delete_cookie(
                getattr(settings, f"{prefix}_name"),
                path="/",
                domain=getattr(settings, f"{prefix}_domain"),
            )
