"""The LDAP login body, checked as Directus's Joi schema does (same messages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dxgen.runtime.errors import InvalidPayloadError

LOGIN_MODES = ("json", "cookie", "session")
_FIELDS = ("identifier", "password", "mode", "otp")


@dataclass(frozen=True)
class LdapLogin:
    identifier: str
    password: str
    mode: str


def _required_text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        raise InvalidPayloadError(f'"{key}" is required')
    if not isinstance(value, str):
        raise InvalidPayloadError(f'"{key}" must be a string')
    if not value:
        raise InvalidPayloadError(f'"{key}" is not allowed to be empty')
    return value


def ldap_login(body: Any) -> LdapLogin:
    """Raises 400 INVALID_PAYLOAD for a missing or empty identifier or password, a mode other
    than json/cookie/session, or an unknown key."""
    if not isinstance(body, dict):
        body = {}
    unknown = next((key for key in body if key not in _FIELDS), None)
    if unknown is not None:
        raise InvalidPayloadError(f'"{unknown}" is not allowed')
    identifier = _required_text(body, "identifier")
    password = _required_text(body, "password")
    mode = body.get("mode", "json")
    if mode not in LOGIN_MODES:
        raise InvalidPayloadError('"mode" must be one of [json, cookie, session]')
    return LdapLogin(identifier, password, mode)
