"""The `dxgen` command line: thin wrappers over introspect -> plan -> render -> emit."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa

from dxgen import __version__
from dxgen.emit import EmitError, emit
from dxgen.introspect import introspect
from dxgen.render import render_plan
from dxgen.report import describe


def _load(db: str, schema: str | None, include: tuple[str, ...], exclude: tuple[str, ...]):
    try:
        return introspect(db, schema=schema, include=include, exclude=exclude)
    except sa.exc.ArgumentError as error:
        raise click.UsageError(f"--db is not a valid SQLAlchemy URL: {error}") from None
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"cannot read the database: {error.orig}") from None
    except ModuleNotFoundError as error:
        raise click.ClickException(
            f"the database driver is not installed ({error.name}); "
            "install dxgen[postgresql] or dxgen[mysql]"
        ) from None


_db = click.option("--db", required=True, help="SQLAlchemy URL of the database to introspect.")
_schema = click.option("--schema", default=None, help="Database schema (PostgreSQL) to read.")
_include = click.option(
    "--include", multiple=True, help="Only tables matching this glob (repeatable)."
)
_exclude = click.option(
    "--exclude", multiple=True, help="Skip tables matching this glob (repeatable)."
)


@click.group()
@click.version_option(__version__, prog_name="dxgen")
def main() -> None:
    """Generate a Flask app serving Directus's REST API over an existing SQL database."""


@main.command("inspect")
@_db
@_schema
@_include
@_exclude
@click.option("--json", "as_json", is_flag=True, help="Print the schema model as JSON.")
def inspect_command(
    db: str, schema: str | None, include: tuple[str, ...], exclude: tuple[str, ...], as_json: bool
) -> None:
    """Print what dxgen sees: collections, fields, keys, relations and warnings."""
    model = _load(db, schema, include, exclude)
    click.echo(model.to_json() if as_json else describe(model), nl=not as_json)


@main.command("generate")
@_db
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--package", default="app", show_default=True, help="Python package of the app.")
@_schema
@_include
@_exclude
@click.option(
    "--force", is_flag=True, help="Write into a non-empty directory dxgen did not create."
)
def generate_command(
    db: str,
    out: Path,
    package: str,
    schema: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    force: bool,
) -> None:
    """Write the app for the database at --db into --out."""
    if not package.isidentifier():
        raise click.UsageError(f"--package must be a Python identifier, got {package!r}")
    model = _load(db, schema, include, exclude)
    app_plan, files = render_plan(model, package)
    owners = {f.path: f.owner for f in app_plan.files}
    try:
        report = emit(out, files, owners, force=force)
    except EmitError as error:
        raise click.ClickException(str(error)) from None
    for warning in model.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{len(model.collections)} collections: {len(report.written)} files written, "
        f"{len(report.unchanged)} unchanged, {len(report.kept)} of yours kept, in {out}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
