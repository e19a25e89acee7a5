"""One log line per request, and the runtime's logging set up from `LOG_LEVEL` and `LOG_STYLE`.

Each request gets an id: a sane incoming `X-Request-Id` (a proxy's or a client's, so one id
follows the request through every hop) or a fresh one; it is echoed in the response header.
The line names method, path, status, latency in ms, client IP and that id.

`LOG_STYLE=raw` writes JSON lines in pino-http's shape (what Directus writes, so the same log
tooling reads both); `pretty` writes one human line. `LOG_LEVEL` takes Directus's levels
(`info` logs requests, `warn` and above silences them). The `dxgen` logger gets its own stderr
handler and does not propagate, so a request never logs twice.

Secrets never reach the log: `access_token`/`refresh_token` query values are masked and no
header (Authorization, Cookie) is logged at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from flask import Flask, Response, current_app, request

from dxgen.runtime.config import Settings
from dxgen.runtime.ratelimit import client_ip

LOGGER = "dxgen"
REQUEST_LOGGER = "dxgen.request"
MASK = "**********"
SECRET_PARAMS = frozenset({"access_token", "refresh_token"})
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
START = "dxgen.request_start"
REQUEST_ID = "dxgen.request_id"
# pino's numeric levels; TRACE and SILENT have no Python level of their own
PINO_LEVEL = {5: 10, logging.DEBUG: 20, logging.INFO: 30, logging.WARNING: 40, logging.ERROR: 50}
PYTHON_LEVEL = {
    "TRACE": 5,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "SILENT": logging.CRITICAL + 10,
}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def install(app: Flask) -> None:
    """Configure the `dxgen` logger and log every request of `app`."""
    settings: Settings = app.extensions["dxgen"].settings
    configure_logging(settings)
    app.wsgi_app = _stamp(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_log_request)


def request_id() -> str:
    """The current request's id (for error reports and outgoing calls)."""
    return request.environ.get(REQUEST_ID) or _new_id(request.headers.get("X-Request-Id"))


def _new_id(incoming: str | None) -> str:
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _stamp(wsgi_app: WsgiApp) -> WsgiApp:
    """Note the start time and request id as the request enters, before Flask's own work."""

    def stamped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[START] = time.perf_counter()
        environ[REQUEST_ID] = _new_id(environ.get("HTTP_X_REQUEST_ID"))
        return wsgi_app(environ, start_response)

    return stamped


def _log_request(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    log = logging.getLogger(REQUEST_LOGGER)
    if not log.isEnabledFor(logging.INFO):
        return response
    started = request.environ.get(START, time.perf_counter())
    fields = {
        "id": request_id(),
        "method": request.method,
        "url": masked_url(request.path, request.query_string.decode("latin-1")),
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 2),
        "ip": client_ip(current_app.extensions["dxgen"].settings),
    }
    log.info("request completed", extra={"request": fields})
    return response


def masked_url(path: str, query: str) -> str:
    """`path?query` with the values of token parameters replaced (the rest kept verbatim)."""
    if not query:
        return path
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={MASK}" if sep and unquote(name).lower() in SECRET_PARAMS else part)
    return f"{path}?{'&'.join(parts)}"


def configure_logging(settings: Settings) -> None:
    """One stderr handler on the `dxgen` logger, formatted per `LOG_STYLE`, at `LOG_LEVEL`."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(RawFormatter() if settings.log_style == "raw" else PrettyFormatter())
    logger.addHandler(handler)
    logger.setLevel(PYTHON_LEVEL.get(settings.log_level, logging.INFO))
    logger.propagate = False


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now (test capture and reloaders replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


class RawFormatter(logging.Formatter):
    """pino's JSON line: level number, epoch ms, pid, hostname, msg; pino-http's req/res."""

    hostname = socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": PINO_LEVEL.get(record.levelno, 60 if record.levelno > 40 else 30),
            "time": int(record.created * 1000),
            "pid": os.getpid(),
            "hostname": self.hostname,
        }
        fields = getattr(record, "request", None)
        if fields:
            line["req"] = {
                "id": fields["id"],
                "method": fields["method"],
                "url": fields["url"],
                "remoteAddress": fields["ip"],
            }
            line["res"] = {"statusCode": fields["status"]}
            line["responseTime"] = fields["ms"]
        line["msg"] = record.getMessage()
        if record.exc_info:
            line["err"] = {
                "type": record.exc_info[0].__name__ if record.exc_info[0] else "Error",
                "stack": "".join(traceback.format_exception(*record.exc_info)),
            }
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class PrettyFormatter(logging.Formatter):
    """`[2025-01-31 12:00:00.123] INFO: GET /items/x 200 3.2ms ip=… id=…` for people."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        stamp = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
        level = "WARN" if record.levelname == "WARNING" else record.levelname
        fields = getattr(record, "request", None)
        if fields:
            message = (
                f"{fields['method']} {fields['url']} {fields['status']} {fields['ms']}ms "
                f"ip={fields['ip']} id={fields['id']}"
            )
        else:
            message = record.getMessage()
        text = f"[{stamp}] {level}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text
