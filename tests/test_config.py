"""Configuration: bad values stop start-up naming the variable, SECRET is required outside
development, and `flask --app app dx config` prints the effective settings with secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dxgen.runtime.config import ConfigError, Settings
from tests.conftest import Blog
from tests.test_ratelimit import ON_SQLITE


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RATE_LIMITER_POINTS", "lots", "RATE_LIMITER_POINTS must be an integer, got 'lots'"),
        ("RATE_LIMITER_DURATION", "0", "RATE_LIMITER_DURATION must be at least 1, got 0"),
        ("RATE_LIMITER_ENABLED", "maybe", "RATE_LIMITER_ENABLED must be true or false"),
        ("RATE_LIMITER_STORE", "mongo", "RATE_LIMITER_STORE must be one of memory, redis"),
        ("CORS_ENABLED", "yes please", "CORS_ENABLED must be true or false"),
        ("CORS_MAX_AGE", "-5", "CORS_MAX_AGE must be at least 0, got -5"),
        ("IP_TRUST_PROXY", "2", "IP_TRUST_PROXY must be true or false"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of trace, debug, info, warn, error, fatal"),
        ("LOG_STYLE", "fancy", "LOG_STYLE must be one of pretty, raw"),
        ("QUERY_LIMIT_DEFAULT", "0", "QUERY_LIMIT_DEFAULT must be at least 1"),
        ("ACCESS_TOKEN_TTL", "soon", "ACCESS_TOKEN_TTL must be a duration like 15m or 7d"),
        ("MAX_PAYLOAD_SIZE", "big", "MAX_PAYLOAD_SIZE must be an integer"),
    ],
)
def test_invalid_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.load(environ={"SECRET": "s", name: value}, env_file=None)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RATE_LIMITER_STORE": "redis"}, "RATE_LIMITER_STORE=redis needs REDIS"),
        ({"RATE_LIMITER_POINTS": "5"}, "RATE_LIMITER_POINTS and RATE_LIMITER_DURATION go together"),
        ({"RATE_LIMITER_DURATION": "5"}, "RATE_LIMITER_POINTS and RATE_LIMITER_DURATION"),
    ],
)
def test_settings_that_need_each_other(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(environ={"SECRET": "s", **environ}, env_file=None)


@pytest.mark.parametrize(
    ("raw", "level"), [("info", "INFO"), ("Warning", "WARN"), ("FATAL", "FATAL")]
)
def test_log_levels_take_directus_and_python_names(raw: str, level: str) -> None:
    settings = Settings.load(environ={"SECRET": "s", "LOG_LEVEL": raw}, env_file=None)
    assert settings.log_level == level


@ON_SQLITE
@pytest.mark.parametrize(
    ("name", "value"),
    [("RATE_LIMITER_POINTS", "-1"), ("CORS_CREDENTIALS", "sometimes"), ("LOG_LEVEL", "chatty")],
)
def test_generated_app_refuses_to_start_with_a_bad_value(
    blog: Blog, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name} "):
        blog.variant()


@ON_SQLITE
def test_missing_secret_stops_start_up_outside_development(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET")
    for env in ("production", "test"):
        monkeypatch.setenv("ENV", env)
        with pytest.raises(ConfigError, match="SECRET is not set"):
            blog.variant()
    monkeypatch.setenv("ENV", "development")
    app = blog.variant()
    assert len(app.extensions["dxgen"].settings.secret) >= 32  # a throwaway one


@ON_SQLITE
def test_unreachable_redis_stops_start_up_naming_redis(blog: Blog) -> None:
    with pytest.raises(ConfigError, match=r"^REDIS: cannot reach redis://127\.0\.0\.1:9 "):
        blog.variant(
            RATE_LIMITER_ENABLED=True,
            RATE_LIMITER_STORE="redis",
            REDIS="redis://:pass-word@127.0.0.1:9/0",
        )


@ON_SQLITE
def test_dx_config_prints_effective_settings_with_secrets_masked(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_MAX_AGE", "600")
    app = blog.variant(
        RATE_LIMITER_POINTS=7,
        RATE_LIMITER_DURATION=3,
        REDIS="redis://:hunter2@127.0.0.1:6379/0",
    )
    result = app.test_cli_runner().invoke(args=["dx", "config"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines())
    assert lines["SECRET"] == lines["DB_URL"] == lines["REDIS"] == "**********"
    assert (lines["RATE_LIMITER_POINTS"], lines["RATE_LIMITER_DURATION"]) == ("7", "3")
    assert lines["CORS_MAX_AGE"] == "600"
    assert lines["RATE_LIMITER_ENABLED"] == "False"  # the test suite's environment
    assert lines["ADMIN_PASSWORD"] == ""  # unset secrets show as unset, not masked
    assert "hunter2" not in result.output
    assert blog.url.split("///")[-1] not in result.output

    as_json = app.test_cli_runner().invoke(args=["dx", "config", "--json"])
    settings = json.loads(as_json.output)
    assert settings["SECRET"] == "**********"
    assert settings["CORS_MAX_AGE"] == 600
    assert set(settings) == {s.env for s in Settings.SPEC.values()}


def test_env_file_wins_over_the_process_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("CORS_ORIGIN=https://from-dotenv.test\nLOG_STYLE=raw\n")
    settings = Settings.load(
        environ={"SECRET": "s", "CORS_ORIGIN": "https://from-shell.test"}, env_file=env_file
    )
    assert (settings.cors_origin, settings.log_style) == ("https://from-dotenv.test", "raw")
