"""SSO provider configuration: Directus's `AUTH_<NAME>_*` variables, parsed and checked at start-up.

A bad value stops the app with a message naming the variable, so a typo in a client id or a
missing bind DN shows at deploy time rather than as a failed login on the first user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dxgen.runtime.config import ConfigError, Settings

DRIVERS = ("openid", "oauth2", "ldap")
MODES = ("session", "cookie", "json")
LDAP_SCOPES = ("base", "one", "sub")
DISCOVERY_TIMEOUT = 10  # seconds: start-up waits this long for a provider's discovery document


@dataclass(frozen=True)
class Provider:
    """What every provider has: its name (as in `AUTH_PROVIDERS`), driver and display hints."""

    name: str
    driver: str
    label: str | None
    icon: str | None
    default_role: str | None

    def listing(self) -> dict[str, Any]:
        """This provider's entry in `GET /auth`: an unset icon or label is left out, as
        Directus's JSON leaves out undefined values."""
        entry: dict[str, Any] = {"name": self.name, "driver": self.driver}
        if self.icon is not None:
            entry["icon"] = self.icon
        if self.label is not None:
            entry["label"] = self.label
        return entry


@dataclass(frozen=True)
class BrowserProvider(Provider):
    """An OAuth 2.0 or OpenID Connect provider, signed in through the browser redirect flow."""

    client_id: str = ""
    client_secret: str = ""
    scope: str = ""
    authorize_url: str = ""
    token_url: str = ""
    profile_url: str | None = None
    identifier_key: str = "sub"
    email_key: str = "email"
    first_name_key: str = "given_name"
    last_name_key: str = "family_name"
    allow_public_registration: bool = False
    require_verified_email: bool = False
    mode: str = "session"
    redirect_allow_list: tuple[str, ...] = ()
    # OpenID only: the discovery document's issuer and key set
    issuer: str | None = None
    jwks_url: str | None = None

    @property
    def is_openid(self) -> bool:
        return self.driver == "openid"


@dataclass(frozen=True)
class LdapProvider(Provider):
    """A directory checked with a bind; users and groups found by search."""

    client_url: str = ""
    bind_dn: str = ""
    bind_password: str = ""
    user_dn: str = ""
    user_attribute: str = "cn"
    user_scope: str = "one"
    mail_attribute: str = "mail"
    first_name_attribute: str = "givenName"
    last_name_attribute: str = "sn"
    group_dn: str | None = None
    group_attribute: str = "member"
    group_scope: str = "one"


class _Variables:
    """One provider's raw `AUTH_<NAME>_*` values, read with the full variable name in errors."""

    def __init__(self, name: str, raw: Mapping[str, str]) -> None:
        self.prefix = f"AUTH_{name.upper()}_"
        self.raw = raw

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw.get(key, "").strip()
        return value or default

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise ConfigError(f"{self.prefix}{key} is required")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.text(key) or default).lower()
        if value not in allowed:
            raise ConfigError(
                f"{self.prefix}{key} must be one of {', '.join(allowed)}, got {value!r}"
            )
        return value

    def boolean(self, key: str) -> bool:
        value = (self.text(key) or "false").lower()
        if value not in ("true", "false", "1", "0"):
            raise ConfigError(f"{self.prefix}{key} must be true or false, got {value!r}")
        return value in ("true", "1")

    def url(self, key: str) -> str:
        value = self.required(key)
        if not value.startswith(("http://", "https://")):
            raise ConfigError(f"{self.prefix}{key} must be an http(s) URL, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in (self.text(key) or "").split(",") if p.strip())

    def common(self, name: str, driver: str) -> dict[str, Any]:
        return {
            "name": name,
            "driver": driver,
            "label": self.text("LABEL"),
            "icon": self.text("ICON"),
            "default_role": self.text("DEFAULT_ROLE_ID"),
        }

    def browser(self) -> dict[str, Any]:
        return {
            "client_id": self.required("CLIENT_ID"),
            "client_secret": self.required("CLIENT_SECRET"),
            "allow_public_registration": self.boolean("ALLOW_PUBLIC_REGISTRATION"),
            "require_verified_email": self.boolean("REQUIRE_VERIFIED_EMAIL"),
            "mode": self.choice("MODE", MODES, "session"),
            "redirect_allow_list": self.strings("REDIRECT_ALLOW_LIST"),
        }


def _openid(name: str, values: _Variables) -> BrowserProvider:
    """Reads the discovery document at `ISSUER_URL` (start-up fails when it cannot)."""
    import requests  # loaded only when an OpenID provider is configured

    browser = values.browser()  # the settings that need no network first
    issuer_url = values.url("ISSUER_URL")
    try:
        reply = requests.get(issuer_url, timeout=DISCOVERY_TIMEOUT)
        reply.raise_for_status()
        document = reply.json()
        endpoints = {key: document[key] for key in ("issuer", "authorization_endpoint")}
        endpoints |= {key: document[key] for key in ("token_endpoint", "jwks_uri")}
    except (requests.RequestException, ValueError, KeyError) as error:
        raise ConfigError(
            f"{values.prefix}ISSUER_URL: cannot read the discovery document at {issuer_url}: "
            f"{type(error).__name__}: {error}"
        ) from None
    return BrowserProvider(
        **values.common(name, "openid"),
        **browser,
        scope=values.text("SCOPE", "openid profile email") or "",
        authorize_url=endpoints["authorization_endpoint"],
        token_url=endpoints["token_endpoint"],
        profile_url=document.get("userinfo_endpoint"),
        identifier_key=values.text("IDENTIFIER_KEY", "sub") or "sub",
        issuer=endpoints["issuer"],
        jwks_url=endpoints["jwks_uri"],
    )


def _oauth2(name: str, values: _Variables) -> BrowserProvider:
    return BrowserProvider(
        **values.common(name, "oauth2"),
        **values.browser(),
        scope=values.text("SCOPE", "email") or "",
        authorize_url=values.url("AUTHORIZE_URL"),
        token_url=values.url("ACCESS_URL"),
        profile_url=values.url("PROFILE_URL"),
        identifier_key=values.text("IDENTIFIER_KEY", "email") or "email",
        email_key=values.text("EMAIL_KEY", "email") or "email",
        first_name_key=values.text("FIRST_NAME_KEY", "first_name") or "",
        last_name_key=values.text("LAST_NAME_KEY", "last_name") or "",
    )


def _ldap(name: str, values: _Variables) -> LdapProvider:
    client_url = values.required("CLIENT_URL")
    if not client_url.startswith(("ldap://", "ldaps://")):
        raise ConfigError(f"{values.prefix}CLIENT_URL must be an ldap:// or ldaps:// URL")
    return LdapProvider(
        **values.common(name, "ldap"),
        client_url=client_url,
        bind_dn=values.required("BIND_DN"),
        bind_password=values.required("BIND_PASSWORD"),
        user_dn=values.required("USER_DN"),
        user_attribute=values.text("USER_ATTRIBUTE", "cn") or "cn",
        user_scope=values.choice("USER_SCOPE", LDAP_SCOPES, "one"),
        mail_attribute=values.text("MAIL_ATTRIBUTE", "mail") or "mail",
        first_name_attribute=values.text("FIRST_NAME_ATTRIBUTE", "givenName") or "givenName",
        last_name_attribute=values.text("LAST_NAME_ATTRIBUTE", "sn") or "sn",
        group_dn=values.text("GROUP_DN"),
        group_attribute=values.text("GROUP_ATTRIBUTE", "member") or "member",
        group_scope=values.choice("GROUP_SCOPE", LDAP_SCOPES, "one"),
    )


_BUILDERS: dict[str, Callable[[str, _Variables], Provider]] = {
    "openid": _openid,
    "oauth2": _oauth2,
    "ldap": _ldap,
}


def load_providers(settings: Settings) -> dict[str, Provider]:
    """The enabled providers by name, in `AUTH_PROVIDERS` order. Raises ConfigError."""
    providers: dict[str, Provider] = {}
    for name in settings.auth_providers:
        if name.lower() == "default" or name in providers:
            raise ConfigError(f"AUTH_PROVIDERS: {name!r} is reserved or listed twice")
        values = _Variables(name, settings.prefixed(f"AUTH_{name.upper()}_"))
        values.required("DRIVER")
        driver = values.choice("DRIVER", DRIVERS, "")
        providers[name] = _BUILDERS[driver](name, values)
    browser = [p.name for p in providers.values() if isinstance(p, BrowserProvider)]
    if browser and not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"PUBLIC_URL must be the app's absolute http(s) URL, got {settings.public_url!r}: "
            f"the providers {browser} send users back to $PUBLIC_URL/auth/login/<name>/callback"
        )
    return providers
