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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import url_for

from tests.auth_helpers import ADMIN_HEADER, bootstrap_url
from tests.conftest import generate_app, import_package, load_builder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_dir: Path, env: Mapping[str, str], workers: int = 2) -> Iterator[str]:
    """Serve the generated app in `app_dir` with plain `gunicorn`, which reads the generated
    gunicorn.conf.py (workers, bind from the environment); yields the base URL. The server's
    output (access log included) goes to `app_dir/../gunicorn.log`."""
    port = _free_port()
    settings = {"WEB_CONCURRENCY": str(workers), "HOST": "127.0.0.1", "PORT": str(port)}
    log_path = app_dir.parent / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn"))],
            cwd=app_dir,
            env={**os.environ, **env, **settings},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, process, log_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/items/tags?limit=1", timeout=5)
            return
        except urllib.error.HTTPError:  # an answer, even an error, means it is serving
            return
        except OSError:  # refused, reset or timed out while gunicorn boots
            if process.poll() is not None:
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in 60 s")


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app generated from a SQLite blog, in `<dir>/api`."""
    tmp = tmp_path_factory.mktemp("served")
    load_builder().build(f"sqlite:///{tmp / 'blog.db'}")
    bootstrap_url(f"sqlite:///{tmp / 'blog.db'}")
    generate_app(f"sqlite:///{tmp / 'blog.db'}", tmp / "api", "app")
    return tmp


@pytest.fixture(scope="module")
def server(served_dir: Path) -> Iterator[str]:
    env = {"DB_URL": f"sqlite:///{served_dir / 'blog.db'}"}
    with gunicorn(served_dir / "api", env, workers=2) as base:
        yield base


def _call(
    method: str, url: str, body: object | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", ADMIN_HEADER["Authorization"])  # see bootstrap_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
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


def test_generated_gunicorn_conf_is_used(server: str, served_dir: Path) -> None:
    """Workers come from WEB_CONCURRENCY and the access log goes to stdout (gunicorn.conf.py)."""
    _call("GET", f"{server}/items/tags?limit=1&fields=id")
    line = '"GET /items/tags?limit=1&fields=id HTTP/1.1" 200'
    deadline = time.monotonic() + 5  # gunicorn logs the access after answering
    while line not in (log := (served_dir / "gunicorn.log").read_text()):
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    assert log.count("Booting worker") == 2


def test_url_building_still_works_with_lazy_rule_builders(served_dir: Path) -> None:
    """Rules compile their URL builders on first use (start-up); building must still work."""
    app = import_package(served_dir / "api", "app").create_app({"DB_URL": "sqlite://"})
    with app.test_request_context():
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if "<key>" in r.rule)
        assert url_for(endpoint, key="7").endswith("/7")
        assert url_for(endpoint, key="7", extra="x").endswith("/7?extra=x")
