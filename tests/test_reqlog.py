"""Request logging: one line per request with id, method, path, status and latency; JSON with
LOG_STYLE=raw; LOG_LEVEL respected; secrets never logged."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from dxgen.runtime.reqlog import masked_url
from tests.conftest import Blog
from tests.test_ratelimit import ON_SQLITE

PRETTY = re.compile(
    r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: (?P<method>\S+) (?P<url>\S+) "
    r"(?P<status>\d{3}) (?P<ms>\d+(\.\d+)?)ms ip=(?P<ip>\S+) id=(?P<id>\S+)"
)


def request_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "INFO" in line or '"level":30' in line]


@ON_SQLITE
def test_pretty_line_per_request(blog: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    client = blog.variant(LOG_STYLE="pretty", LOG_LEVEL="INFO").test_client()
    capsys.readouterr()
    response = client.get("/items/tags?limit=1")
    client.get("/no-such-route")
    lines = request_lines(capsys.readouterr().err)
    assert len(lines) == 2, lines
    first, second = (PRETTY.fullmatch(line) for line in lines)
    assert first and second, lines
    assert (first["method"], first["url"], first["status"]) == ("GET", "/items/tags?limit=1", "200")
    assert (second["url"], second["status"]) == ("/no-such-route", "404")
    assert first["ip"] == "127.0.0.1"
    assert first["id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first["id"])
    assert float(first["ms"]) > 0


@ON_SQLITE
def test_raw_style_writes_pino_json_lines(blog: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    client = blog.variant(LOG_STYLE="raw", LOG_LEVEL="INFO").test_client()
    capsys.readouterr()
    response = client.post(
        "/items/tags", json={"name": "logged"}, headers={"X-Request-Id": "abc-1"}
    )
    lines = request_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    line: dict[str, Any] = json.loads(lines[0])
    assert response.headers["X-Request-Id"] == "abc-1"
    assert set(line) == {"level", "time", "pid", "hostname", "req", "res", "responseTime", "msg"}
    assert (line["level"], line["pid"], line["msg"]) == (30, os.getpid(), "request completed")
    assert line["req"] == {
        "id": "abc-1",
        "method": "POST",
        "url": "/items/tags",
        "remoteAddress": "127.0.0.1",
    }
    assert line["res"] == {"statusCode": 200}
    assert isinstance(line["responseTime"], float) and line["responseTime"] > 0


@ON_SQLITE
@pytest.mark.parametrize(
    "incoming", ["has spaces", "x" * 129, "-starts-with-dash", "semi;colon", "ünïcode"]
)
def test_insane_request_ids_are_replaced(blog: Blog, incoming: str) -> None:
    client = blog.variant().test_client()
    echoed = client.get("/no-such-route", headers={"X-Request-Id": incoming}).headers
    assert re.fullmatch(r"[0-9a-f]{32}", echoed["X-Request-Id"])


@ON_SQLITE
@pytest.mark.parametrize(
    ("level", "logged"), [("warn", 0), ("error", 0), ("info", 1), ("debug", 1)]
)
def test_log_level_is_respected(
    blog: Blog, capsys: pytest.CaptureFixture[str], level: str, logged: int
) -> None:
    client = blog.variant(LOG_LEVEL=level.upper()).test_client()
    capsys.readouterr()
    client.get("/no-such-route")
    assert len(request_lines(capsys.readouterr().err)) == logged


@ON_SQLITE
def test_secrets_never_reach_the_log(blog: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    client = blog.variant(LOG_STYLE="raw", LOG_LEVEL="DEBUG").test_client()
    capsys.readouterr()
    client.get(
        "/items/tags?limit=1&access_token=query-secret-1&refresh_token=query-secret-2",
        headers={"Authorization": "Bearer header-secret-3", "Cookie": "session=cookie-secret-4"},
    )
    err = capsys.readouterr().err
    assert "secret-" not in err
    url = json.loads(request_lines(err)[0])["req"]["url"]
    assert url == "/items/tags?limit=1&access_token=**********&refresh_token=**********"


@pytest.mark.parametrize(
    ("path", "query", "logged"),
    [
        ("/items/a", "", "/items/a"),
        ("/items/a", "fields=*&access_token=abc", "/items/a?fields=*&access_token=**********"),
        ("/x", "ACCESS_TOKEN=abc&access_token", "/x?ACCESS_TOKEN=**********&access_token"),
        ("/x", "access%5Ftoken=abc&sort=-id", "/x?access%5Ftoken=**********&sort=-id"),
    ],
)  # fmt: skip
def test_masked_url(path: str, query: str, logged: str) -> None:
    assert masked_url(path, query) == logged
