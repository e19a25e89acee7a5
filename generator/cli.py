"""The `dxgen` command line: thin wrappers over introspect -> plan -> render -> emit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from dxgen import __version__, customize, schemadiff, summary
from dxgen.emit import EmitError, EmitReport, emit, prepare
from dxgen.introspect import introspect
from dxgen.manifest import MANIFEST_PATH, ManifestError
from dxgen.manifest import load as load_manifest
from dxgen.render import render_plan
from dxgen.report import describe
from dxgen.runtime import drift
from dxgen.schema import Schema


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


_out = click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="The app."
)
_package = click.option(
    "--package", default=None, help="Python package of the app  [default: app, or the last run's]"
)


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


def _app_options(command: Callable[..., None]) -> Callable[..., None]:
    """--db, --out and the options recorded in the manifest: what a regeneration reads."""
    for option in reversed((_db, _out, _package, _schema, _include, _exclude)):
        command = option(command)
    return command


@main.command("generate")
@_app_options
@click.option(
    "--force", is_flag=True, help="Write into a non-empty directory dxgen did not create."
)
@click.option("--dry-run", is_flag=True, help="Change nothing; print what would happen.")
def generate_command(force: bool, dry_run: bool, **app: Any) -> None:
    """Write the app for the database at --db into --out, or bring an app dxgen wrote there up
    to date: your edits to generated files are merged, your own files are never touched.
    Options not given are those of the last run (recorded in .dxgen/manifest.json)."""
    run = _regeneration(**app)
    try:
        report = emit(
            app["out"],
            run.files,
            run.owners,
            force=force,
            dry_run=dry_run,
            options=run.options,
            schema=run.model,
        )
    except EmitError as error:
        raise click.ClickException(str(error)) from None
    _echo_lines(run.warnings, err=True)
    _echo_lines(summary.schema_changes(run.previous, run.model))
    _echo_lines(summary.file_lines(report))
    click.echo(summary.totals(report, app["out"]))
    if report.attention:
        _echo_lines(summary.attention_lines(report))
        sys.exit(1)


@main.command("check")
@_app_options
def check_command(**app: Any) -> None:
    """Exit 0 when regenerating the app in --out would change nothing; otherwise print the
    schema diff and the files that would change, and exit 1 (a CI gate)."""
    run = _regeneration(**app)
    out = app["out"]
    if run.previous is None:
        raise click.ClickException(f"{out} has no {MANIFEST_PATH}: run `dxgen generate` first")
    try:
        report = EmitReport(prepare(out, run.files, run.owners)[1], dry_run=True)
    except EmitError as error:
        raise click.ClickException(str(error)) from None
    changes = schemadiff.diff(run.previous, run.model)
    if not changes and not report.changes and not report.attention:
        click.echo(f"up to date: {out} matches the database")
        return
    _echo_lines(summary.schema_changes(run.previous, run.model))
    if report.changes:
        click.echo("files that regenerating would change:")
        _echo_lines(summary.step_line(s) for s in report.changes)
    _echo_lines(summary.attention_lines(report))
    sys.exit(1)


@dataclass(frozen=True)
class _Run:
    """Everything one regeneration needs, decided before anything is written."""

    model: Schema
    previous: Schema | None
    options: dict[str, Any]
    files: dict[str, str]
    owners: dict[str, str]
    warnings: list[str]


def _regeneration(
    db: str,
    out: Path,
    package: str | None,
    schema: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> _Run:
    """Introspect and render for `out`, taking options not given from the app's manifest."""
    try:
        manifest = load_manifest(out)
        custom = customize.load(out)
    except (ManifestError, customize.CustomizeError) as error:
        raise click.ClickException(str(error)) from None
    recorded = manifest.options if manifest is not None else {}
    options = {
        "package": package or recorded.get("package") or "app",
        "schema": schema if schema is not None else recorded.get("schema"),
        "include": list(include or recorded.get("include") or ()),
        "exclude": list(exclude or recorded.get("exclude") or ()),
    }
    if not options["package"].isidentifier():
        raise click.UsageError(f"--package must be a Python identifier, got {package!r}")
    model = _load(db, options["schema"], tuple(options["include"]), tuple(options["exclude"]))
    try:
        app_plan, files = render_plan(
            model, options["package"], custom=custom, fingerprint=_fingerprint(db, custom, model)
        )
    except customize.CustomizeError as error:
        raise click.ClickException(str(error)) from None
    return _Run(
        model=model,
        previous=manifest.schema if manifest is not None else None,
        options=options,
        files=files,
        owners={f.path: f.owner for f in app_plan.files},
        warnings=[*model.warnings, *custom.warnings(model)],
    )


def _fingerprint(db: str, custom: customize.Customization, model: Schema) -> str | None:
    """The catalog fingerprint of the tables the app serves, as the app computes it at run
    time (`dxgen.runtime.drift`), so /server/health can tell when the database drifts."""
    tables = [(c.schema, c.name) for c in custom.hide(model).collections]
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            return drift.fingerprint(conn, tables)
    finally:
        engine.dispose()


def _echo_lines(lines: Iterable[str], err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
