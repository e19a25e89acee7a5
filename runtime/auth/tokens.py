"""Directus-compatible JWTs: HS256 with SECRET, `iss: "directus"`, TTLs in milliseconds.

Only HS256 is accepted, so `alg: none` and key-confusion tokens fail verification.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from dxgen.runtime.config import Settings
from dxgen.runtime.errors import InvalidTokenError, TokenExpiredError

ISSUER = "directus"
_REQUIRED_CLAIMS = ("role", "app_access", "admin_access")


def sign(settings: Settings, claims: dict[str, Any], ttl_ms: int) -> str:
    issued = int(time.time())
    payload = {**claims, "iat": issued, "exp": issued + ttl_ms // 1000, "iss": ISSUER}
    return jwt.encode(payload, settings.secret, algorithm="HS256")


def verify(settings: Settings, token: str, *, require_access_claims: bool = True) -> dict[str, Any]:
    """The verified claims; TOKEN_EXPIRED (401) or INVALID_TOKEN (403) otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpiredError() from None
    except jwt.PyJWTError:
        raise InvalidTokenError() from None
    if require_access_claims and any(name not in claims for name in _REQUIRED_CLAIMS):
        raise InvalidTokenError()
    return claims


def is_directus_jwt(token: str) -> bool:
    """Whether `token` claims to be one of ours (else it is treated as a static token)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return isinstance(claims, dict) and claims.get("iss") == ISSUER


def access_claims(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "role": user["role"],
        "app_access": bool(user["app_access"]),
        "admin_access": bool(user["admin_access"]),
    }
