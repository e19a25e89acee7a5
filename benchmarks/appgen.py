"""The generated app under test: `dxgen generate`, and access for anonymous benchmark calls."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def generate_app(db_url: str, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "dxgen"), "generate", "--db", db_url, "--out", str(out), "--force"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def grant_public_access(
    app_dir: Path, env: dict[str, str], readable: tuple[str, ...], writable: tuple[str, ...] = ()
) -> list[str]:
    """Let anonymous callers run the benchmark once the app has authentication.

    Today the generated app serves anonymous requests and has no such commands; once
    `flask --app app dx` offers `bootstrap` and `permissions`, the public role gets read on
    `readable` and create/update on `writable`. Returns the commands that ran.
    """
    flask = [str(VENV_BIN / "flask"), "--app", "app", "dx"]
    env = {
        **env,
        "ADMIN_EMAIL": "bench@example.com",
        "ADMIN_PASSWORD": "benchmark-password-0123456789",
        "ADMIN_TOKEN": "benchmark-admin-token-0123456789",
    }
    listing = subprocess.run(
        [*flask, "--help"], cwd=app_dir, env=env, capture_output=True, text=True
    )
    available = _subcommands(listing.stdout)
    commands: list[list[str]] = []
    if "bootstrap" in available:
        commands.append(["bootstrap"])
    if "permissions" in available:
        grants = [(c, "read") for c in readable]
        grants += [(c, action) for c in writable for action in ("create", "update")]
        commands += [
            ["permissions", "grant", "--role", "public", "--collection", c, "--action", a]
            for c, a in grants
        ]
    for command in commands:
        subprocess.run([*flask, *command], cwd=app_dir, env=env, check=True, capture_output=True)
    return [" ".join(c) for c in commands]


def _subcommands(help_text: str) -> set[str]:
    """Command names listed under "Commands:" in a click help text."""
    _, _, listed = help_text.partition("Commands:")
    return {line.split()[0] for line in listed.splitlines() if line.strip()}
