"""The `/auth` routes: login, refresh, logout and password reset (Directus §3, A1-A5)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import orjson
import sqlalchemy as sa
from flask import Blueprint, Response, request

from dxgen.runtime import system
from dxgen.runtime.auth import mail, sessions, tokens
from dxgen.runtime.auth.passwords import digest, hash_password, needs_rehash, verify_password
from dxgen.runtime.auth.stall import stalled
from dxgen.runtime.errors import (
    DirectusError,
    InvalidCredentialsError,
    InvalidPayloadError,
    InvalidTokenError,
    RouteNotFoundError,
)
from dxgen.runtime.web import JSON_TYPE, no_content, runtime

blueprint = Blueprint("dxgen_auth", __name__)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESET_TTL_MS = 86_400_000  # a reset link is valid for a day, as in Directus


def _body() -> dict[str, Any]:
    from dxgen.runtime.endpoints import request_body

    body = request_body()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InvalidPayloadError('"value" must be of type object')
    return body


def _mode(body: dict[str, Any], default: str) -> str:
    mode = body.get("mode", default)
    if mode not in sessions.MODES:
        raise InvalidPayloadError('"mode" must be one of [json, cookie, session]')
    return mode


def _data_response(data: dict[str, Any] | None = None) -> Response:
    return Response(orjson.dumps({"data": data}), content_type=JSON_TYPE)


def _email(body: dict[str, Any]) -> str:
    email = body.get("email")
    if email is None:
        raise InvalidPayloadError('"email" is required')
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise InvalidPayloadError('"email" must be a valid email')
    return email


@blueprint.post("/auth/login")
def login() -> Response:
    settings = runtime().settings
    if settings.auth_disable_default:
        raise RouteNotFoundError(request.path)
    body = _body()
    email = _email(body)
    password = body.get("password")
    if password is None:
        raise InvalidPayloadError('"password" is required')
    if not isinstance(password, str):
        raise InvalidPayloadError('"password" must be a string')
    mode = _mode(body, "json")
    with stalled():
        user_id = _check_password(email, password)
    response = _data_response()
    data = sessions.grant(user_id, mode, response)
    response.set_data(orjson.dumps({"data": data}))
    return response


def _check_password(email: str, password: str) -> str:
    """The id of the active local user with these credentials; counts failures and
    suspends the account after AUTH_LOGIN_ATTEMPTS consecutive ones."""
    rt = runtime()
    users = system.users
    with rt.engine.begin() as conn:
        row = conn.execute(
            sessions.user_query().where(sa.func.lower(users.c.email) == email.lower())
        ).first()
        user = dict(row._mapping) if row else None
        if user is None or user["provider"] != "default":
            verify_password(None, password)  # same cost as a real check
            raise InvalidCredentialsError()
        sessions.check_active(user)
        if not verify_password(user["password"], password):
            _count_failure(conn, user)
            raise InvalidCredentialsError()
        changes: dict[str, Any] = {}
        if user["failed_logins"]:
            changes["failed_logins"] = 0
        if needs_rehash(user["password"]):
            changes["password"] = hash_password(password)
        if changes:
            conn.execute(sa.update(users).where(users.c.id == user["id"]).values(**changes))
    return str(user["id"])


def _count_failure(conn: Any, user: dict[str, Any]) -> None:
    users = system.users
    conn.execute(
        sa.update(users)
        .where(users.c.id == user["id"])
        .values(failed_logins=users.c.failed_logins + 1)
    )
    limit = runtime().settings.auth_login_attempts
    if limit and user["failed_logins"] + 1 >= limit:
        conn.execute(
            sa.update(users)
            .where(users.c.id == user["id"], users.c.status == "active")
            .values(status="suspended")
        )
    conn.commit()  # the failure counts even though the request fails


def _session_claim() -> str | None:
    """The session id from the session cookie, for session-mode refresh and logout."""
    settings = runtime().settings
    cookie = request.cookies.get(settings.session_cookie_name)
    if not cookie:
        return None
    try:
        claims = tokens.verify(settings, cookie)
    except DirectusError:  # expired or forged: there is no session to continue
        return None
    session = claims.get("session")
    return str(session) if session else None


def _refresh_source(body: dict[str, Any]) -> tuple[str | None, str | None, str]:
    settings = runtime().settings
    token = body.get("refresh_token")
    if token is not None and not isinstance(token, str):
        raise InvalidPayloadError('"refresh_token" must be a string')
    mode = _mode(body, "json" if token else "cookie")
    token = token or request.cookies.get(settings.refresh_token_cookie_name)
    session = None if token else _session_claim()
    if not token and not session:
        raise InvalidPayloadError("The refresh token is required in either the payload or cookie")
    return token, session, mode


@blueprint.post("/auth/refresh")
def refresh() -> Response:
    token, session, mode = _refresh_source(_body())
    response = _data_response()
    data = sessions.refresh(token, session, mode, response)
    response.set_data(orjson.dumps({"data": data}))
    return response


@blueprint.post("/auth/logout")
def logout() -> Response:
    token, session, _ = _refresh_source(_body())
    response = no_content()
    sessions.end(token, session, response)
    return response


@blueprint.post("/auth/password/request")
def password_request() -> Response:
    rt = runtime()
    settings = rt.settings
    body = _body()
    email = body.get("email")
    if email is None:
        raise InvalidPayloadError('"email" field is required')
    if not isinstance(email, str):
        raise InvalidPayloadError('"email" must be a string')
    reset_url = body.get("reset_url")
    if reset_url is not None and reset_url not in settings.password_reset_url_allow_list:
        raise InvalidPayloadError(f'URL "{reset_url}" can\'t be used to reset passwords')
    with stalled():
        with rt.engine.connect() as conn:
            row = conn.execute(
                sa.select(system.users.c.email, system.users.c.password).where(
                    sa.func.lower(system.users.c.email) == email.lower(),
                    system.users.c.status == "active",
                )
            ).first()
        if row is not None:
            token = tokens.sign(
                settings,
                {"email": row.email, "scope": "password-reset", "hash": digest(row.password or "")},
                RESET_TTL_MS,
            )
            base = reset_url or settings.public_url.rstrip("/") + "/admin/reset-password"
            link = f"{base}{'&' if '?' in base else '?'}{urlencode({'token': token})}"
            mail.send(
                settings,
                row.email,
                "Password Reset Request",
                f"A password reset was requested for your account.\n\n{link}\n\n"
                "The link is valid for 24 hours. If you did not ask for it, ignore this message.",
            )
    return no_content()


@blueprint.post("/auth/password/reset")
def password_reset() -> Response:
    rt = runtime()
    body = _body()
    token, password = body.get("token"), body.get("password")
    if not isinstance(token, str):
        raise InvalidPayloadError('"token" is required')
    if not isinstance(password, str) or not password:
        raise InvalidPayloadError('"password" is required')
    claims = tokens.verify(rt.settings, token, require_access_claims=False)
    if claims.get("scope") != "password-reset" or not isinstance(claims.get("email"), str):
        raise InvalidTokenError()
    users = system.users
    with rt.engine.begin() as conn:
        row = conn.execute(
            sa.select(users.c.id, users.c.password, users.c.status).where(
                users.c.email == claims["email"]
            )
        ).first()
        # the hash of the password it was issued for: a used (or outdated) link stops working
        if (
            row is None
            or row.status != "active"
            or digest(row.password or "") != claims.get("hash")
        ):
            raise InvalidTokenError()
        conn.execute(
            sa.update(users)
            .where(users.c.id == row.id)
            .values(password=hash_password(password), failed_logins=0)
        )
        sessions.end_all(conn, row.id)
    return no_content()
