"""Every setting of a generated app, read in one place from the environment and `.env`.

Names are Directus's where Directus has one. A bad value stops start-up with a message naming the
variable, instead of surfacing later as a confusing request error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
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
        "log_level": Setting("LOG_LEVEL", _text),
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
            values[attr] = value
        return cls(**values)

    def masked(self) -> dict[str, Any]:
        """The settings by variable name, secrets hidden: safe to print or log."""
        result = {}
        for f in fields(self):
            setting = self.SPEC[f.name]
            value = getattr(self, f.name)
            result[setting.env] = "**********" if setting.secret and value else value
        return result
