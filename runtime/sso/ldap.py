"""LDAP sign-in with ldap3: find the user with the service account, verify the password by binding
as them, and read their groups for the role.

Every value that reaches a filter is escaped (RFC 4515) so an identifier such as `*` or
`x)(uid=*` matches nothing instead of everything; the password is checked by binding as the DN
the directory returned, never a DN built from user input. Directory failures are
SERVICE_UNAVAILABLE; a wrong password or an unknown identifier is INVALID_CREDENTIALS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from dxgen.runtime.errors import InvalidCredentialsError, ServiceUnavailableError
from dxgen.runtime.sso.accounts import Identity
from dxgen.runtime.sso.providers import LdapProvider

log = logging.getLogger("dxgen.sso")
LDAP_TIMEOUT = 10  # seconds to connect and for each reply
_SCOPES = {"base": ldap3.BASE, "one": ldap3.LEVEL, "sub": ldap3.SUBTREE}


@dataclass(frozen=True)
class DirectoryUser:
    """A verified directory account and the names of its groups."""

    identity: Identity
    groups: list[str]


def _connection(provider: LdapProvider, user: str, password: str) -> ldap3.Connection:
    server = ldap3.Server(provider.client_url, get_info=ldap3.NONE, connect_timeout=LDAP_TIMEOUT)
    return ldap3.Connection(
        server, user=user, password=password, receive_timeout=LDAP_TIMEOUT, read_only=True
    )


def _first(entry: dict, attribute: str) -> str | None:
    values = entry["attributes"].get(attribute)
    if isinstance(values, list):
        return str(values[0]) if values else None
    return str(values) if values else None


def _service_bind(provider: LdapProvider) -> ldap3.Connection:
    """The service account's connection, proven by reading its own entry (as Directus does)."""
    conn = _connection(provider, provider.bind_dn, provider.bind_password)
    if not conn.bind() or not conn.search(
        provider.bind_dn, "(objectClass=*)", ldap3.BASE, attributes=["1.1"]
    ):
        conn.unbind()
        raise ServiceUnavailableError("ldap", "Service account cannot bind or read itself")
    return conn


def _find_user(conn: ldap3.Connection, provider: LdapProvider, identifier: str) -> dict:
    attributes = [
        provider.mail_attribute,
        provider.first_name_attribute,
        provider.last_name_attribute,
    ]
    conn.search(
        provider.user_dn,
        f"({provider.user_attribute}={escape_filter_chars(identifier)})",
        _SCOPES[provider.user_scope],
        attributes=attributes,
    )
    entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    if len(entries) != 1:  # unknown, or ambiguous: never guess which account was meant
        raise InvalidCredentialsError()
    return entries[0]


def _groups(conn: ldap3.Connection, provider: LdapProvider, dn: str) -> list[str]:
    if not provider.group_dn:
        return []
    conn.search(
        provider.group_dn,
        f"({provider.group_attribute}={escape_filter_chars(dn)})",
        _SCOPES[provider.group_scope],
        attributes=["cn"],
    )
    entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    return [name for name in (_first(e, "cn") for e in entries) if name]


def _password_ok(provider: LdapProvider, dn: str, password: str) -> bool:
    conn = _connection(provider, dn, password)
    try:
        return bool(conn.bind())
    finally:
        conn.unbind()


def authenticate(provider: LdapProvider, identifier: str, password: str) -> DirectoryUser:
    """The directory account for `identifier` if `password` is its password. `password` must be
    non-empty: an empty one would be an unauthenticated bind, which many servers accept."""
    if not password:
        raise InvalidCredentialsError()
    try:
        conn = _service_bind(provider)
        try:
            entry = _find_user(conn, provider, identifier)
            if not _password_ok(provider, entry["dn"], password):
                raise InvalidCredentialsError()
            groups = _groups(conn, provider, entry["dn"])
        finally:
            conn.unbind()
    except LDAPException as error:
        log.warning("[%s] directory unavailable: %r", provider.name, error)
        raise ServiceUnavailableError("ldap", "Directory unreachable") from None
    identity = Identity(
        external_identifier=entry["dn"],
        email=(_first(entry, provider.mail_attribute) or "").lower() or None,
        first_name=_first(entry, provider.first_name_attribute),
        last_name=_first(entry, provider.last_name_attribute),
    )
    return DirectoryUser(identity, groups)
