"""Every setting of a generated app, read in one place from the environment and `.env`.

Names are Directus's where Directus has one. A bad value stops start-up with a message naming the
variable, instead of surfacing later as a confusing request error.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting has a value the app cannot run with."""


def _integer(minimum: int | None = None) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")
        return value

    return parse


def _limit(name: str, raw: str) -> int | None:
    """A count where `Infinity`/`-1`/empty mean no limit."""
    if raw.strip().lower() in {"", "infinity", "-1"}:
        return None
    return _integer(1)(name, raw)


def _boolean(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _text(name: str, raw: str) -> str:
    return raw


def _optional_text(name: str, raw: str) -> str | None:
    return raw.strip() or None


def _strings(name: str, raw: str) -> tuple[str, ...]:
    """A comma list, e.g. `AUTH_PROVIDERS=google,corp_ldap`."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


_LOG_LEVELS = {"warning": "warn", "critical": "fatal"}  # Python's names for pino's


def _log_level(name: str, raw: str) -> str:
    """Directus's (pino's) levels, upper-cased: TRACE DEBUG INFO WARN ERROR FATAL SILENT."""
    text = raw.strip().lower()
    levels = _choice("trace", "debug", "info", "warn", "error", "fatal", "silent")
    return levels(name, _LOG_LEVELS.get(text, raw)).upper()


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_557_600_000,
}


def parse_duration(name: str, raw: str) -> int:
    """Milliseconds from Directus's `ms` notation: `900000`, `500ms`, `10s`, `15m`, `7d`."""
    text = raw.strip().lower()
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = text[len(digits) :].strip() or "ms"
    try:
        value = float(digits)
    except ValueError:
        raise ConfigError(f"{name} must be a duration like 15m or 7d, got {raw!r}") from None
    aliases = {"sec": "s", "min": "m", "hr": "h", "day": "d", "days": "d", "week": "w"}
    unit = aliases.get(unit, unit)
    if unit not in _UNITS_MS or value < 0:
        raise ConfigError(f"{name} must be a duration like 15m or 7d, got {raw!r}")
    return int(value * _UNITS_MS[unit])


def _size(name: str, raw: str) -> int:
    """Bytes from `1048576`, `1mb`, `500kb`, `2gb`."""
    text = raw.strip().lower()
    units = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "b": 1}
    for suffix, factor in units.items():
        if text.endswith(suffix) and text[: -len(suffix)].strip().replace(".", "", 1).isdigit():
            return int(float(text[: -len(suffix)]) * factor)
    if text.isdigit():
        return int(text)
    raise ConfigError(f"{name} must be a size like 1048576 or 10mb, got {raw!r}")


def _optional_size(name: str, raw: str) -> int | None:
    return None if raw.strip().lower() in {"", "infinity", "-1"} else _size(name, raw)


@dataclass(frozen=True)
class Setting:
    env: str
    parse: Callable[[str, str], Any]
    secret: bool = False


@dataclass(frozen=True)
class Settings:
    """The effective configuration. Build it with `Settings.load()`."""

    db_url: str = ""
    query_limit_default: int = 100
    query_limit_max: int = -1
    max_relational_depth: int = 10
    max_batch_mutation: int | None = None
    querystring_max_parse_depth: int = 10
    querystring_array_limit: int = 500
    querystring_max_length: int = 65536
    max_payload_size: int = 1_048_576
    db_pool_size: int = 5
    db_pool_max_overflow: int = 10
    db_pool_timeout: int = 30
    log_level: str = "INFO"
    log_style: str = "pretty"
    env: str = "production"
    public_url: str = "/"
    project_name: str = "dxgen"
    # authentication (#4)
    secret: str = ""
    access_token_ttl: int = 900_000
    refresh_token_ttl: int = 604_800_000
    session_cookie_ttl: int = 86_400_000
    session_refresh_grace_period: int = 10_000
    refresh_token_cookie_name: str = "directus_refresh_token"
    refresh_token_cookie_secure: bool = False
    refresh_token_cookie_same_site: str = "lax"
    refresh_token_cookie_domain: str | None = None
    session_cookie_name: str = "directus_session_token"
    session_cookie_secure: bool = False
    session_cookie_same_site: str = "lax"
    session_cookie_domain: str | None = None
    login_stall_time: int = 500
    auth_login_attempts: int = 25
    auth_disable_default: bool = False
    auth_providers: tuple[str, ...] = ()
    password_reset_url_allow_list: tuple[str, ...] = ()
    user_invite_url_allow_list: tuple[str, ...] = ()
    admin_email: str | None = None
    admin_password: str | None = None
    admin_token: str | None = None
    email_from: str = "no-reply@example.com"
    email_transport: str = "smtp"
    email_smtp_host: str | None = None
    email_smtp_port: int = 587
    email_smtp_user: str | None = None
    email_smtp_password: str | None = None
    email_smtp_secure: bool = False
    email_smtp_ignore_tls: bool = False
    # rate limiting, CORS, server (#5)
    rate_limiter_enabled: bool = True
    rate_limiter_points: int | None = None
    rate_limiter_duration: int | None = None
    rate_limiter_store: str = "memory"
    rate_limiter_key_prefix: str = "dxgen"  # Directus passes it to rate-limiter-flexible too
    redis: str | None = None
    ip_trust_proxy: bool = False
    ip_custom_header: str | None = None
    cors_enabled: bool = False
    cors_origin: str = "false"
    cors_methods: str = "GET,POST,PATCH,DELETE"
    cors_allowed_headers: str = "Content-Type,Authorization"
    cors_exposed_headers: str = "Content-Range"
    cors_credentials: bool = True
    cors_max_age: int = 18000
    healthcheck_enabled: bool = True
    openapi_enabled: bool = True
    # files and assets (#8)
    storage_locations: tuple[str, ...] = ("local",)
    files_max_upload_size: int | None = None
    files_mime_type_allow_list: tuple[str, ...] = ("*/*",)
    assets_cache_ttl: int = 2_592_000_000
    assets_transform_image_max_dimension: int = 6000
    assets_transform_max_operations: int = 5
    # every raw variable seen at load time, for families named at run time (AUTH_<NAME>_*,
    # STORAGE_<LOCATION>_*); read through `prefixed()`
    source: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    SPEC = {
        "db_url": Setting("DB_URL", _text, secret=True),
        "query_limit_default": Setting("QUERY_LIMIT_DEFAULT", _integer(1)),
        "query_limit_max": Setting("QUERY_LIMIT_MAX", _integer(-1)),
        "max_relational_depth": Setting("MAX_RELATIONAL_DEPTH", _integer(2)),
        "max_batch_mutation": Setting("MAX_BATCH_MUTATION", _limit),
        "querystring_max_parse_depth": Setting("QUERYSTRING_MAX_PARSE_DEPTH", _integer(1)),
        "querystring_array_limit": Setting("QUERYSTRING_ARRAY_LIMIT", _integer(1)),
        "querystring_max_length": Setting("QUERYSTRING_MAX_LENGTH", _integer(256)),
        "max_payload_size": Setting("MAX_PAYLOAD_SIZE", _integer(1)),
        "db_pool_size": Setting("DB_POOL_SIZE", _integer(1)),
        "db_pool_max_overflow": Setting("DB_POOL_MAX_OVERFLOW", _integer(0)),
        "db_pool_timeout": Setting("DB_POOL_TIMEOUT", _integer(1)),
        "log_level": Setting("LOG_LEVEL", _log_level),
        "log_style": Setting("LOG_STYLE", _choice("pretty", "raw")),
        "env": Setting("ENV", _choice("development", "production", "test")),
        "public_url": Setting("PUBLIC_URL", _text),
        "project_name": Setting("PROJECT_NAME", _text),
        "secret": Setting("SECRET", _text, secret=True),
        "access_token_ttl": Setting("ACCESS_TOKEN_TTL", parse_duration),
        "refresh_token_ttl": Setting("REFRESH_TOKEN_TTL", parse_duration),
        "session_cookie_ttl": Setting("SESSION_COOKIE_TTL", parse_duration),
        "session_refresh_grace_period": Setting("SESSION_REFRESH_GRACE_PERIOD", parse_duration),
        "refresh_token_cookie_name": Setting("REFRESH_TOKEN_COOKIE_NAME", _text),
        "refresh_token_cookie_secure": Setting("REFRESH_TOKEN_COOKIE_SECURE", _boolean),
        "refresh_token_cookie_same_site": Setting(
            "REFRESH_TOKEN_COOKIE_SAME_SITE", _choice("lax", "strict", "none")
        ),
        "refresh_token_cookie_domain": Setting("REFRESH_TOKEN_COOKIE_DOMAIN", _optional_text),
        "session_cookie_name": Setting("SESSION_COOKIE_NAME", _text),
        "session_cookie_secure": Setting("SESSION_COOKIE_SECURE", _boolean),
        "session_cookie_same_site": Setting(
            "SESSION_COOKIE_SAME_SITE", _choice("lax", "strict", "none")
        ),
        "session_cookie_domain": Setting("SESSION_COOKIE_DOMAIN", _optional_text),
        "login_stall_time": Setting("LOGIN_STALL_TIME", parse_duration),
        "auth_login_attempts": Setting("AUTH_LOGIN_ATTEMPTS", _integer(0)),
        "auth_disable_default": Setting("AUTH_DISABLE_DEFAULT", _boolean),
        "auth_providers": Setting("AUTH_PROVIDERS", _strings),
        "password_reset_url_allow_list": Setting("PASSWORD_RESET_URL_ALLOW_LIST", _strings),
        "user_invite_url_allow_list": Setting("USER_INVITE_URL_ALLOW_LIST", _strings),
        "admin_email": Setting("ADMIN_EMAIL", _optional_text),
        "admin_password": Setting("ADMIN_PASSWORD", _optional_text, secret=True),
        "admin_token": Setting("ADMIN_TOKEN", _optional_text, secret=True),
        "email_from": Setting("EMAIL_FROM", _text),
        "email_transport": Setting("EMAIL_TRANSPORT", _choice("smtp", "log")),
        "email_smtp_host": Setting("EMAIL_SMTP_HOST", _optional_text),
        "email_smtp_port": Setting("EMAIL_SMTP_PORT", _integer(1)),
        "email_smtp_user": Setting("EMAIL_SMTP_USER", _optional_text),
        "email_smtp_password": Setting("EMAIL_SMTP_PASSWORD", _optional_text, secret=True),
        "email_smtp_secure": Setting("EMAIL_SMTP_SECURE", _boolean),
        "email_smtp_ignore_tls": Setting("EMAIL_SMTP_IGNORE_TLS", _boolean),
        "rate_limiter_enabled": Setting("RATE_LIMITER_ENABLED", _boolean),
        "rate_limiter_points": Setting("RATE_LIMITER_POINTS", _integer(1)),
        "rate_limiter_duration": Setting("RATE_LIMITER_DURATION", _integer(1)),
        "rate_limiter_store": Setting("RATE_LIMITER_STORE", _choice("memory", "redis")),
        "rate_limiter_key_prefix": Setting("RATE_LIMITER_KEY_PREFIX", _text),
        "redis": Setting("REDIS", _optional_text, secret=True),
        "ip_trust_proxy": Setting("IP_TRUST_PROXY", _boolean),
        "ip_custom_header": Setting("IP_CUSTOM_HEADER", _optional_text),
        "cors_enabled": Setting("CORS_ENABLED", _boolean),
        "cors_origin": Setting("CORS_ORIGIN", _text),
        "cors_methods": Setting("CORS_METHODS", _text),
        "cors_allowed_headers": Setting("CORS_ALLOWED_HEADERS", _text),
        "cors_exposed_headers": Setting("CORS_EXPOSED_HEADERS", _text),
        "cors_credentials": Setting("CORS_CREDENTIALS", _boolean),
        "cors_max_age": Setting("CORS_MAX_AGE", _integer(0)),
        "healthcheck_enabled": Setting("HEALTHCHECK_ENABLED", _boolean),
        "openapi_enabled": Setting("OPENAPI_ENABLED", _boolean),
        "storage_locations": Setting("STORAGE_LOCATIONS", _strings),
        "files_max_upload_size": Setting("FILES_MAX_UPLOAD_SIZE", _optional_size),
        "files_mime_type_allow_list": Setting("FILES_MIME_TYPE_ALLOW_LIST", _strings),
        "assets_cache_ttl": Setting("ASSETS_CACHE_TTL", parse_duration),
        "assets_transform_image_max_dimension": Setting(
            "ASSETS_TRANSFORM_IMAGE_MAX_DIMENSION", _integer(1)
        ),
        "assets_transform_max_operations": Setting("ASSETS_TRANSFORM_MAX_OPERATIONS", _integer(1)),
    }

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        env_file: str | Path | None = ".env",
    ) -> Settings:
        """Defaults, then `.env` (which wins over the process environment, as in Directus),
        then `overrides` (already-typed values keyed by attribute or variable name)."""
        source: dict[str, str] = dict(os.environ if environ is None else environ)
        if env_file and Path(env_file).is_file():
            source.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values: dict[str, Any] = {}
        for attr, setting in cls.SPEC.items():
            if setting.env in source:
                values[attr] = setting.parse(setting.env, source[setting.env])
        by_env = {setting.env: attr for attr, setting in cls.SPEC.items()}
        for key, value in (overrides or {}).items():
            attr = by_env.get(key, key)
            if attr not in cls.SPEC:
                raise ConfigError(f"unknown setting {key!r}")
            setting = cls.SPEC[attr]
            if isinstance(value, str) and setting.parse is not _text:
                value = setting.parse(setting.env, value)  # "5" from settings.py or a test
            values[attr] = value
        values["source"] = tuple(sorted(source.items()))
        if not values.get("secret") and values.get("env") == "development":
            values["secret"] = secrets.token_urlsafe(32)  # throwaway: tokens die on restart
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Cross-setting rules that a single parser cannot see."""
        if not self.secret and self.env != "development":
            raise ConfigError(
                "SECRET is not set: set it to a long random string (tokens are signed with it), "
                "or set ENV=development to run with a throwaway secret"
            )
        if self.rate_limiter_store == "redis" and not self.redis:
            raise ConfigError("RATE_LIMITER_STORE=redis needs REDIS (a redis:// URL)")
        if (self.rate_limiter_points is None) != (self.rate_limiter_duration is None):
            raise ConfigError("RATE_LIMITER_POINTS and RATE_LIMITER_DURATION go together")

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Raw variables starting with `prefix`, keyed by the rest of the name
        (`prefixed("AUTH_GOOGLE_")` -> `{"DRIVER": "openid", ...}`)."""
        return {k[len(prefix) :]: v for k, v in self.source if k.startswith(prefix)}

    def masked(self) -> dict[str, Any]:
        """The settings by variable name, secrets hidden: safe to print or log."""
        result = {}
        for f in fields(self):
            if f.name == "source":
                continue
            setting = self.SPEC[f.name]
            value = getattr(self, f.name)
            result[setting.env] = "**********" if setting.secret and value else value
        return result
