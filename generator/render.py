"""Render the plan through Jinja into `{path: text}`, in memory. Nothing here touches the disk.

Templates mirror the output tree and hold no decisions; the environment is strict (an undefined
name is an error, not an empty string) so a template typo can never produce quietly wrong code.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jinja2

from dxgen.customize import Customization
from dxgen.plan import AppPlan, FilePlan, plan
from dxgen.schema import Schema


def environment() -> jinja2.Environment:
    root = Path(str(files("dxgen.templates")))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = _python_string
    env.filters["sorted_json"] = lambda value: json.dumps(
        value, indent=2, sort_keys=True, ensure_ascii=False
    )
    return env


def _python_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(schema: Schema, package: str = "app") -> dict[str, str]:
    """Every generated and user-owned file for `schema`, by relative path."""
    return render_plan(schema, package)[1]


def render_plan(
    schema: Schema,
    package: str = "app",
    *,
    custom: Customization | None = None,
    fingerprint: str | None = None,
) -> tuple[AppPlan, dict[str, str]]:
    """The plan (who owns which file) and the rendered files, from one planning pass.
    `fingerprint` is the database's catalog fingerprint (`dxgen.runtime.drift`) the app records
    to notice a drifted database; `custom` is the app's dxgen.toml."""
    app_plan = plan(schema, package, custom)
    env = environment()
    shared = {"app": app_plan, "schema_json": schema.to_json(), "fingerprint": fingerprint}
    return app_plan, {f.path: _render_file(env, shared, f) for f in app_plan.files}


def _render_file(env: jinja2.Environment, shared: dict[str, object], file: FilePlan) -> str:
    template = env.get_template(file.template)
    text = template.render(file=file, **shared, **file.context)
    return text.rstrip("\n") + "\n"
