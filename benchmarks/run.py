"""`make bench`: the generated app against the hand-written reference and sandman2.

Generates the app with `dxgen generate`, starts every target under the same gunicorn settings,
checks that each returns the same ids in the same order as the reference, then loads each query
round by round (the order of targets rotates every round, so drift in the machine's speed hits
all targets alike) and prints a Markdown table. Then times `dxgen generate` and the generated
app's start-up on a synthetic 500-table schema.

    .venv/bin/python -m benchmarks.run [--backend sqlite] [--articles 100000] [--duration 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import database, wide
from benchmarks.appgen import VENV_BIN, generate_app, grant_public_access
from benchmarks.load import LoadResult, require_wrk, run_wrk
from benchmarks.queries import QUERIES, UNANSWERED_BY_SANDMAN2, Query, identity, request_body
from benchmarks.targets import BENCH, Target, target_env

SANDMAN2_VENV = BENCH / "peers" / ".venv-sandman2"
COLLECTIONS = ("articles", "authors", "comments", "tags", "articles_tags")
WARM_UP = 6
"""Requests per query and target before statements are counted (a few per worker)."""


@dataclass
class Measure:
    """Everything measured for one (query, target) pair over all rounds."""

    statements: int | None = None
    skipped: str | None = None
    """Why a peer did not take part (it cannot answer this query correctly)."""
    rounds: list[LoadResult] = field(default_factory=list)
    cpu_seconds: float = 0.0
    served: int = 0
    """Requests the server finished during the loads (wrk's count misses the in-flight ones)."""

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.rounds)

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.served if self.served else float("nan")

    def latency(self, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in self.rounds)


SKIP = Measure(skipped="the target has no such query")


def build_targets(db: database.Database, app_dir: Path, names: list[str]) -> list[Target]:
    ready = "/items/articles?limit=1"
    available = {
        "reference": lambda: Target(
            "reference",
            VENV_BIN / "python",
            "benchmarks.reference.app:create_app()",
            BENCH.parent,
            target_env(db.url),
            ready,
        ),
        "dxgen": lambda: Target(
            "dxgen", VENV_BIN / "python", "app:create_app()", app_dir, target_env(db.url), ready
        ),
        "sandman2": lambda: Target(
            "sandman2",
            SANDMAN2_VENV / "bin" / "python",
            "sandman2_app:app",
            BENCH / "peers",
            target_env(db.legacy_url),
            "/articles/?limit=1",
            mapper=_sandman2_path,
            peer=True,
        ),
    }
    if "sandman2" in names:
        subprocess.run(["sh", str(BENCH / "peers" / "make_sandman2_venv.sh")], check=True)
    return [available[name]() for name in ["reference", *[n for n in names if n != "reference"]]]


def _sandman2_path(path: str) -> str | None:
    for query in QUERIES:
        if query.path == path:
            return query.sandman2
    return None


def call(target: Target, query: Query, unique: str) -> tuple[int, dict[str, str], bytes]:
    path = target.mapper(query.path)
    assert path is not None
    request = urllib.request.Request(
        target.base + path, data=request_body(query, unique), method=query.method
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check(targets: list[Target], queries: list[Query]) -> dict[tuple[str, str], Measure]:
    """Every target must agree with the reference on ids and order; also counts statements
    per request in the steady state: the fewest of three requests sent after every worker has
    had the chance to do its one-time work (permission loading, first connection)."""
    measures: dict[tuple[str, str], Measure] = {}
    failures = []
    for query in queries:
        expected = None
        for target in targets:
            if target.mapper(query.path) is None:
                continue
            for n in range(WARM_UP):
                call(target, query, f"warm-{target.name}-{n}")
            counted = [call(target, query, f"check-{target.name}-{n}") for n in range(3)]
            status, _, body = counted[-1]
            measure = measures.setdefault((query.name, target.name), Measure())
            measure.statements = min(
                int(headers.get("X-Bench-Statements", "-1")) for _, headers, _ in counted
            )
            problem = _disagreement(status, body, query, expected)
            if expected is None and problem is None and not query.writes:
                expected = identity(json.loads(body))
            if problem and target.peer:
                measure.skipped = f"cannot answer: {problem.split(':', 1)[0].split(' b', 1)[0]}"
            elif problem:
                failures.append(f"{query.name} {target.name}: {problem}")
    if failures:
        raise SystemExit("targets disagree:\n" + "\n".join(failures))
    return measures


def _disagreement(status: int, body: bytes, query: Query, expected: object) -> str | None:
    if status >= 400:
        return f"HTTP {status} {body[:300]!r}"
    if query.writes or expected is None:
        return None
    got = identity(json.loads(body))
    if got == expected:
        return None
    return f"different ids or order than the reference: {str(got)[:200]} != {str(expected)[:200]}"


def load(
    targets: list[Target],
    queries: list[Query],
    measures: dict[tuple[str, str], Measure],
    args: argparse.Namespace,
) -> None:
    for query in queries:
        answering = [t for t in targets if not measures.get((query.name, t.name), SKIP).skipped]
        for round_number in range(args.rounds):
            shift = round_number % len(answering)
            for target in answering[shift:] + answering[:shift]:
                path = target.mapper(query.path)
                cpu, served = target.settled()
                result = run_wrk(target.base + str(path), query, args.duration, args.connections)
                measure = measures[(query.name, target.name)]
                cpu_after, served_after = target.settled()
                measure.cpu_seconds += cpu_after - cpu
                measure.served += served_after - served
                measure.rounds.append(result)
                if result.errors:
                    print(f"  warning: {query.name} {target.name}: {result.errors} errors")
        print(f"  {query.name} done", flush=True)


def table(
    measures: dict[tuple[str, str], Measure], targets: list[Target], queries: list[Query]
) -> str:
    lines = [
        "| query | target | req/s (median) | p50 ms | p99 ms | CPU ms/req | SQL/req "
        "| req/s vs ref | CPU vs ref |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for query in queries:
        reference = measures[(query.name, "reference")]
        for target in targets:
            measure = measures.get((query.name, target.name))
            if measure is None or not measure.rounds:
                reason = UNANSWERED_BY_SANDMAN2.get(query.name, "not measured")
                reason = measure.skipped if measure and measure.skipped else reason
                lines.append(f"| {query.name} | {target.name} | — | — | — | — | — | — | {reason} |")
                continue
            lines.append(
                f"| {query.name} | {target.name} | {measure.rate:.0f} "
                f"| {measure.latency('p50_ms'):.2f} | {measure.latency('p99_ms'):.2f} "
                f"| {measure.cpu_ms:.2f} | {measure.statements} "
                f"| {measure.rate / reference.rate:.2f} | {measure.cpu_ms / reference.cpu_ms:.2f} |"
            )
    return "\n".join(lines)


def machine() -> str:
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpus = Path("/proc/cpuinfo").read_text().count("processor\t:")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{cpus} CPUs ({model}), {int(memory) // 1024} MiB RAM, Python {platform.python_version()}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="dxgen benchmark suite (issue #9)")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql", "mariadb"))
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=2, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--targets", default="reference,dxgen,sandman2")
    parser.add_argument("--queries", default=",".join(q.name for q in QUERIES))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dxgen-bench"))
    parser.add_argument("--wide-tables", type=int, default=500, help="0 skips the wide schema")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    names = args.targets.split(",")
    queries = [q for q in QUERIES if q.name in args.queries.split(",")]
    print(f"# dxgen benchmark — {args.backend}, {args.articles} articles\n\n{machine()}\n")
    db = database.prepare(args.backend, args.articles, args.workdir)
    app_dir = args.workdir / "api"
    print(f"dxgen generate: {generate_app(db.url, app_dir):.2f} s")
    granted = grant_public_access(app_dir, target_env(db.url), COLLECTIONS, ("articles",))
    print(f"access set-up: {', '.join(granted) or 'none needed (anonymous access)'}")
    targets = build_targets(db, app_dir, names)
    try:
        for target in targets:
            print(f"started {target.name} in {target.start():.2f} s")
        measures = check(targets, queries)
        print("check passed: every target returns the reference's ids in the same order\n")
        load(targets, queries, measures, args)
    finally:
        for target in targets:
            target.stop()
    print()
    print(table(measures, targets, queries))
    if args.wide_tables:
        print()
        print(wide.report(args.wide_tables, args.workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
