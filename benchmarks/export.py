"""Export benchmark (issue #3): a 1,000,000-row table streamed out of the generated app.

For each of `export=json`, `export=csv` and a plain `limit=-1` list, a fresh one-worker gunicorn
serves the request, and the script prints the wall time, the time to the first body byte, the
bytes received, and the worker's peak RSS (VmHWM, so no sample can miss the peak). The body is
parsed back (JSON loaded, CSV rows counted) so a fast but broken stream cannot pass.
Targets: peak RSS under 150 MB, first byte under 300 ms.

    .venv/bin/python -m benchmarks.export [--rows 1000000] [--db URL]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.appgen import VENV_BIN, generate_app, grant_public_access
from benchmarks.targets import Target, target_env

TABLE = "export_rows"
RSS_TARGET_MB = 150
FIRST_BYTE_TARGET_MS = 300
FORMATS = {
    "export=json": "json",
    "export=csv": "csv",
    "plain list": "list",
}


def build(url: str, rows: int) -> None:
    """A wide-enough row (text, decimal, boolean, timestamp) to make serialisation count."""
    md = sa.MetaData()
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text),
    )
    rng = random.Random(3)
    base = datetime(2024, 1, 1)
    engine = sa.create_engine(url)
    try:
        md.drop_all(engine)
        md.create_all(engine)
        raw = engine.raw_connection()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        cursor = raw.cursor()
        sql = f"INSERT INTO {TABLE} VALUES ({', '.join([marker] * 6)})"
        for start in range(1, rows + 1, 50_000):
            batch = [
                (
                    i,
                    f"row {i}",
                    rng.randrange(10**7) / 100,
                    i % 3 != 0,
                    (base + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    f"note {rng.random():.6f}" if i % 4 else None,
                )
                for i in range(start, min(start + 50_000, rows + 1))
            ]
            cursor.executemany(sql, batch)
        raw.commit()
        raw.close()
    finally:
        engine.dispose()


@dataclass(frozen=True)
class ExportResult:
    label: str
    seconds: float
    first_byte_ms: float
    megabytes: float
    idle_rss_mb: float
    peak_rss_mb: float
    rows: int


def _count_rows(kind: str, body: bytes) -> int:
    if kind == "csv":
        return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
    parsed = json.loads(body)
    return len(parsed["data"] if kind == "list" else parsed)


def _fetch(target: Target, path: str) -> tuple[float, float, bytes]:
    """(seconds, first-byte ms, body) for one GET, read in 64 KiB pieces as it streams."""
    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status} {response.read()[:300]!r}")
    chunks = [response.read1(65536)]
    first_byte = time.perf_counter() - started
    while chunk := response.read1(65536):
        chunks.append(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, first_byte * 1000, b"".join(chunks)


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def measure(app_dir: Path, url: str, label: str) -> ExportResult:
    kind = FORMATS[label]
    query = f"?limit=-1&export={kind}" if kind != "list" else "?limit=-1"
    target = Target(
        "export", VENV_BIN / "python", "app:create_app()", app_dir, target_env(url), "/server/ping"
    )
    target.workers = 1
    target.start()
    try:
        idle = _peak_rss_mb(target.worker_pids()[0])
        seconds, first_byte, body = _fetch(target, f"/items/{TABLE}{query}")
        peak = _peak_rss_mb(target.worker_pids()[0])
    finally:
        target.stop()
    rows = _count_rows(kind, body)
    return ExportResult(label, seconds, first_byte, len(body) / 2**20, idle, peak, rows)


def _missed(met: bool) -> str:
    return "" if met else " (missed)"


def table(results: list[ExportResult], rows: int) -> str:
    lines = [
        f"| {rows:,} rows | wall s | first byte ms | MB sent | RSS before MB | peak RSS MB "
        "| rows parsed back |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ttfb = _missed(r.first_byte_ms < FIRST_BYTE_TARGET_MS)
        rss = _missed(r.peak_rss_mb < RSS_TARGET_MB)
        lines.append(
            f"| {r.label} | {r.seconds:.1f} | {r.first_byte_ms:.0f}{ttfb} | {r.megabytes:.0f} "
            f"| {r.idle_rss_mb:.0f} | {r.peak_rss_mb:.0f}{rss} | {r.rows:,} |"
        )
    lines.append(
        f"\nTargets: peak RSS < {RSS_TARGET_MB} MB, first byte < {FIRST_BYTE_TARGET_MS} ms."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dxgen export benchmark (issue #3)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dxgen-bench"))
    parser.add_argument("--db", help="SQLAlchemy URL to fill (default: SQLite in the workdir)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{args.workdir / f'export-{args.rows}.db'}"
    started = time.perf_counter()
    build(url, args.rows)
    print(f"built {TABLE} ({args.rows:,} rows) in {time.perf_counter() - started:.1f} s")
    app_dir = args.workdir / "export-api"
    generate_app(url, app_dir)
    grant_public_access(app_dir, target_env(url), (TABLE,))
    results = [measure(app_dir, url, label) for label in FORMATS]
    print(table(results, args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
