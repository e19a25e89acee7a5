"""What `dxgen generate` and `dxgen check` print: the schema diff and what happens to each file."""

from __future__ import annotations

from pathlib import Path

from dxgen.emit import EmitReport
from dxgen.schema import Schema
from dxgen.schemadiff import diff
from dxgen.update import CHANGING, DELETED, KEEP, NEEDS_ATTENTION, UNCHANGED, Step

_WIDTH = max(len(a) for a in CHANGING | NEEDS_ATTENTION | {UNCHANGED, KEEP, DELETED})


def schema_changes(previous: Schema | None, current: Schema) -> list[str]:
    """The schema diff since the last generation, headed; one line when there is nothing new."""
    if previous is None:
        return [f"schema: first generation ({len(current.collections)} collections)"]
    lines = diff(previous, current)
    if not lines:
        return ["schema: no changes since the last generation"]
    return ["schema changes since the last generation:", *(f"  {line}" for line in lines)]


def step_line(step: Step) -> str:
    note = f" ({step.note})" if step.note else ""
    return f"  {step.action:<{_WIDTH}} {step.path}{note}"


def file_lines(report: EmitReport) -> list[str]:
    """Every file on a dry run; otherwise the files that changed or were kept for a reason."""
    if report.dry_run:
        return ["what would happen to each file:", *(step_line(s) for s in report.steps)]
    shown = [s for s in report.steps if s.action in CHANGING or (s.gone and s.action == KEEP)]
    return [step_line(s) for s in shown]


def totals(report: EmitReport, out: Path) -> str:
    counts: dict[str, int] = {}
    for step in report.steps:
        counts[step.action] = counts.get(step.action, 0) + 1
    parts = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    dry = " (dry run: nothing was written)" if report.dry_run else ""
    return f"{out}: {len(report.steps)} files: {parts}{dry}"


def attention_lines(report: EmitReport) -> list[str]:
    """The conflicts, last, so they are what the user reads when the command exits 1."""
    steps = report.attention
    if not steps:
        return []
    return [
        f"{len(steps)} file{'s' if len(steps) > 1 else ''} with conflicts "
        "(resolve the <<<<<<< your edit / >>>>>>> dxgen markers):",
        *(step_line(s) for s in steps),
    ]
