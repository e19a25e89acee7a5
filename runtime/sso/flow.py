"""The browser flow's short-lived state, kept in a signed cookie between login and callback.

The PKCE verifier, `state`, `nonce` and the requested redirect never leave the server unsigned and
need no server-side storage, so any worker can serve the callback. The cookie is a JWT signed
with `SECRET` (as Directus's `openid.<name>` cookie), valid for five minutes.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import jwt
from flask import Response

FLOW_TTL = timedelta(minutes=5)
ISSUER = "directus"


@dataclass(frozen=True)
class Flow:
    """One sign-in attempt: what the callback must see again."""

    provider: str
    verifier: str
    state: str
    nonce: str
    redirect: str | None

    @classmethod
    def start(cls, provider: str, redirect: str | None) -> Flow:
        return cls(
            provider,
            verifier=secrets.token_urlsafe(48),
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            redirect=redirect,
        )


def cookie_name(provider: str, driver: str) -> str:
    """`openid.<name>` or `oauth2.<name>`, Directus's names."""
    return f"{driver}.{provider}"


def store(response: Response, flow: Flow, name: str, secret: str, secure: bool) -> None:
    expires = datetime.now(UTC) + FLOW_TTL
    token = jwt.encode({**asdict(flow), "exp": expires, "iss": ISSUER}, secret, algorithm="HS256")
    response.set_cookie(
        name,
        token,
        max_age=int(FLOW_TTL.total_seconds()),
        httponly=True,
        secure=secure,
        samesite="Lax",
    )


def load(token: str | None, provider: str, secret: str) -> Flow | None:
    """The flow in the cookie, or None when it is missing, expired, forged or another provider's."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER)
    except jwt.PyJWTError:
        return None
    if claims.get("provider") != provider:
        return None
    return Flow(
        provider,
        verifier=str(claims["verifier"]),
        state=str(claims["state"]),
        nonce=str(claims["nonce"]),
        redirect=claims.get("redirect"),
    )
