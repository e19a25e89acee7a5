"""Who is calling: the token of a request turned into an `Accountability` (Directus §3).

The token comes from `?access_token=`, `Authorization: Bearer`, or the session cookie (only when
neither of the others is there). A Directus JWT is verified and its user re-read, so a role
change, suspension or deletion takes effect at once; anything else is a static token. No token
at all is the public role.
"""

from __future__ import annotations

from flask import g, request

from dxgen.runtime import system
from dxgen.runtime.accountability import Accountability
from dxgen.runtime.auth import sessions, tokens
from dxgen.runtime.auth.passwords import digest
from dxgen.runtime.errors import InvalidCredentialsError, InvalidPayloadError, InvalidTokenError
from dxgen.runtime.web import runtime

# routes answered before authentication, as Directus mounts them (a bad token is ignored)
_UNAUTHENTICATED_PATHS = ("/server/ping",)


def extract_token() -> tuple[str | None, bool]:
    """(token, from the session cookie?) — 400 when a request carries two kinds."""
    query = request.args.get("access_token")
    header = request.headers.get("Authorization")
    bearer = None
    if header:
        parts = header.split(" ")
        if len(parts) == 2 and parts[0].lower() == "bearer":
            bearer = parts[1]
    if query and bearer:
        raise InvalidPayloadError(
            "The request uses more than one method for including an access token"
        )
    if query or bearer:
        return query or bearer, False
    cookie = request.cookies.get(runtime().settings.session_cookie_name)
    return (cookie, True) if cookie else (None, False)


def authenticate() -> None:
    """Flask before-request hook: set `g.accountability` for the request."""
    if request.method == "OPTIONS" or request.path in _UNAUTHENTICATED_PATHS:
        return
    token, from_cookie = extract_token()
    ip = request.remote_addr
    if token is None:
        g.accountability = Accountability(ip=ip)
        return
    if tokens.is_directus_jwt(token):
        g.accountability = _from_jwt(token, ip)
    elif from_cookie:
        raise InvalidTokenError()
    else:
        g.accountability = _from_static(token, ip)


def _from_jwt(token: str, ip: str | None) -> Accountability:
    rt = runtime()
    claims = tokens.verify(rt.settings, token)
    if not claims.get("id"):
        raise InvalidTokenError()
    session = claims.get("session")
    with rt.engine.connect() as conn:
        if session is not None and not sessions.session_exists(conn, str(session)):
            raise InvalidCredentialsError()  # logged out or rotated away
        user = sessions.load_user(conn, str(claims["id"]))
    return _accountability(sessions.check_active(user), ip, session)


def _from_static(token: str, ip: str | None) -> Accountability:
    rt = runtime()
    with rt.engine.connect() as conn:
        row = conn.execute(
            sessions.user_query().where(
                system.users.c.token == digest(token), system.users.c.status == "active"
            )
        ).first()
    if row is None:
        raise InvalidCredentialsError()
    return _accountability(dict(row._mapping), ip, None)


def _accountability(user: dict, ip: str | None, session: str | None) -> Accountability:
    return Accountability(
        user=str(user["id"]),
        role=None if user["role"] is None else str(user["role"]),
        admin=bool(user["admin_access"]),
        app=bool(user["app_access"]),
        ip=ip,
        session=session,
    )
