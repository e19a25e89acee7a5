"""Logins take at least LOGIN_STALL_TIME, success and failure alike, so the time a sign-in takes
does not tell a wrong password from an unknown user (local, SSO and password-reset requests)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from dxgen.runtime.web import runtime


@contextmanager
def stalled() -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = runtime().settings.login_stall_time / 1000 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
