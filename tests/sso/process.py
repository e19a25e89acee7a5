"""Starting a provider's server process for a test and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.services import unavailable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    what: str,
    command: list[str],
    ready: Callable[[], object],
    errors: tuple[type[Exception], ...],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[None]:
    """Runs `command` until the block ends. `ready()` raising one of `errors` means not yet; a
    process that exits or stays silent for 20 s makes the test skip (fail when required)."""
    with tempfile.TemporaryFile("w+") as output:  # not a pipe: a chatty server never blocks
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    output.seek(0)
                    unavailable(what, RuntimeError(f"exited: {output.read()[-500:]}"))
                try:
                    ready()
                    break
                except errors as error:
                    if time.monotonic() > deadline:
                        unavailable(what, error)
                    time.sleep(0.1)
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)
