"""Node tooling for tests: `typescript` and `@directus/sdk`, installed once into tests/node.

Versions are pinned in tests/node/package.json and locked in package-lock.json; `npm ci` installs
exactly those, once per checkout (node_modules is gitignored and reused while the lock file is
unchanged). Without node or npm, or when the install fails, tests skip with the reason, and fail
under DXGEN_REQUIRE_SERVICES=1 like the database services.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from tests.services import unavailable

NODE_DIR = Path(__file__).resolve().parent / "node"
STAMP = ".installed-lock"  # inside node_modules: a copy of the lock file it was installed from
INSTALL_TIMEOUT = 300


class NodeUnavailable(RuntimeError):
    """node or npm is missing, or the install failed."""


def executable(name: str) -> str:
    """The path of `node` or `npm`, skipping (or failing) the test when it is missing."""
    path = shutil.which(name)
    if path is None:
        unavailable(name, NodeUnavailable(f"{name} is not on PATH"))
    assert path is not None
    return path


def node_modules() -> Path:
    """tests/node/node_modules with the pinned packages, installed on first use."""
    try:
        return _install(executable("npm"))
    except (NodeUnavailable, subprocess.TimeoutExpired, OSError) as error:
        unavailable("npm install", error)
        raise  # unreachable: unavailable() skips or fails


@cache
def _install(npm: str) -> Path:
    modules = NODE_DIR / "node_modules"
    lock = (NODE_DIR / "package-lock.json").read_text()
    # one installer at a time, across test processes sharing this checkout
    lock_path = Path(tempfile.gettempdir()) / "dxgen-tests-npm.lock"
    with lock_path.open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        stamp = modules / STAMP
        if stamp.is_file() and stamp.read_text() == lock:
            return modules
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        if result.returncode != 0:
            raise NodeUnavailable(f"npm ci failed: {result.stderr.strip()[-500:]}")
        stamp.write_text(lock)
    return modules
