"""The generated app in a real server process (gunicorn), called over HTTP on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import generate_app, load_builder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp / 'blog.db'}"
    load_builder().build(url)
    generate_app(url, tmp / "api", "app")
    port = _free_port()
    env = {**os.environ, "DB_URL": url}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=tmp / "api",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/items/tags?limit=1", timeout=5)
                break
            except OSError:  # refused, reset or timed out while gunicorn boots
                if process.poll() is not None:
                    raise RuntimeError(process.stdout.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start in 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _call(method: str, url: str, body: object | None = None) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_list_over_http(server: str) -> None:
    status, headers, body = _call(
        "GET", f"{server}/items/articles?fields=id,author_id.name&limit=2"
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {
        "data": [
            {"id": 1, "author_id": {"name": "Hedy Lamarr"}},
            {"id": 2, "author_id": {"name": "Margaret Hamilton"}},
        ]
    }


def test_write_cycle_over_http(server: str) -> None:
    status, _, body = _call("POST", f"{server}/items/tags", {"name": "over-http"})
    assert status == 200
    key = json.loads(body)["data"]["id"]
    status, _, body = _call("PATCH", f"{server}/items/tags/{key}?fields=name", {"name": "patched"})
    assert json.loads(body) == {"data": {"name": "patched"}}
    status, _, body = _call("DELETE", f"{server}/items/tags/{key}")
    assert (status, body) == (204, b"")


def test_errors_over_http_have_no_stack_traces(server: str) -> None:
    status, _, body = _call("GET", f"{server}/items/articles?filter[views][_gt]=lots")
    assert status == 400
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "INVALID_QUERY"
    status, _, body = _call("POST", f"{server}/items/tags", None)
    assert status in (200, 400)
    assert b"Traceback" not in body
