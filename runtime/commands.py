"""The generated app's `flask --app app dx …` command group.

Operations that need the app's settings and database (bootstrap, users, roles, permissions,
config) live here so every generated app gets them from the runtime, not from generated code.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from dxgen.runtime.config import Settings

dx = AppGroup("dx", help="dxgen administration: bootstrap, users, roles, permissions, config.")


@dx.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON instead of NAME=value lines.")
def config_command(as_json: bool) -> None:
    """Print the effective settings, secrets masked."""
    from flask import current_app

    settings: Settings = current_app.extensions["dxgen"].settings
    masked = settings.masked()
    if as_json:
        import json

        click.echo(json.dumps(masked, indent=2, sort_keys=True, default=str))
        return
    for name in sorted(masked):
        value = masked[name]
        if isinstance(value, tuple):
            value = ",".join(value)
        click.echo(f"{name}={'' if value is None else value}")


def install(app: Flask) -> None:
    app.cli.add_command(dx)
