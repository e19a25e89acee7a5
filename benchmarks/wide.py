"""`dxgen generate` time and generated-app start-up time on a synthetic wide schema.

The schema (SQLite, empty tables) has the shapes real schemas have: every table a few columns of
common types, and every second table a foreign key to its predecessor (so relations and
one-to-many aliases are planned and rendered too).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

VENV_BIN = Path(sys.executable).parent
START_UP = (
    "import time; t = time.perf_counter(); from app import create_app; create_app(); "
    "print(time.perf_counter() - t)"
)


def build_schema(url: str, tables: int) -> None:
    md = sa.MetaData()
    for i in range(tables):
        columns = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("description", sa.Text),
            sa.Column("amount", sa.Numeric(12, 2)),
            sa.Column("active", sa.Boolean),
            sa.Column("created_at", sa.DateTime),
        ]
        if i % 2:
            columns.append(sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"t{i - 1:03d}.id")))
        sa.Table(f"t{i:03d}", md, *columns)
    engine = sa.create_engine(url)
    try:
        md.drop_all(engine)
        md.create_all(engine)
    finally:
        engine.dispose()


def _timed(
    argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def report(tables: int, workdir: Path) -> str:
    """Markdown lines: generate time, and start-up as in-process and whole-process time."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"wide-{tables}.db"
    url = f"sqlite:///{db}"
    build_schema(url, tables)
    out = workdir / f"wide-{tables}-api"
    shutil.rmtree(out, ignore_errors=True)
    generate, _ = _timed([str(VENV_BIN / "dxgen"), "generate", "--db", url, "--out", str(out)])
    env = {"DB_URL": url, "SECRET": "dxgen-benchmark-secret-0123456789abcdef", "PATH": ""}
    whole, inner = _timed([str(VENV_BIN / "python"), "-c", START_UP], cwd=out, env=env)
    return (
        f"| {tables}-table schema | seconds | target |\n|---|---:|---|\n"
        f"| `dxgen generate` | {generate:.2f} | < 10 |\n"
        f"| app start-up: import + `create_app()` | {float(inner):.2f} | < 1 |\n"
        f"| app start-up: whole process (interpreter included) | {whole:.2f} | |"
    )


if __name__ == "__main__":
    print(report(int(sys.argv[1]) if len(sys.argv) > 1 else 500, Path("/tmp/dxgen-bench")))
