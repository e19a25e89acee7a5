"""Decide, file by file, what regenerating into an existing app does. Reads the disk, writes
nothing: `emit` applies the steps, `--dry-run` and `dxgen check` only print them.

The rules (copier's, adapted to a generator whose input is a database):
- a generated file the user has not touched is replaced by the new render;
- a generated file the user edited is 3-way merged: base = what dxgen rendered last time (its
  copy under .dxgen/base), ours = the user's file, theirs = the new render;
- a user-owned file (hooks, settings) is created once and never touched again, even if deleted;
- a generated file the user deleted stays deleted;
- a generated file whose collection is gone is removed if unedited, otherwise kept and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxgen.manifest import FileRecord, Manifest, base_text, digest
from dxgen.merge import has_markers, merge
from dxgen.plan import GENERATED, USER

# What a step does, and whether it changes the app (for --dry-run, `dxgen check` and the summary).
CREATE = "create"  # a new file
UPDATE = "update"  # an unedited generated file, replaced
MERGE = "merge"  # an edited generated file: the new render merged in, cleanly
CONFLICT = "conflict"  # merged, with conflict markers to resolve
REMOVE = "remove"  # an unedited generated file whose collection is gone
UNCHANGED = "unchanged"  # nothing to do
KEEP = "keep"  # the user's file (user-owned, or edited and orphaned), left as it is
DELETED = "deleted"  # the user deleted it; it stays deleted
UNRESOLVED = "unresolved"  # still holds conflict markers from an earlier run; left as it is
CHANGING = frozenset({CREATE, UPDATE, MERGE, CONFLICT, REMOVE})
NEEDS_ATTENTION = frozenset({CONFLICT, UNRESOLVED})


@dataclass(frozen=True)
class Step:
    path: str
    action: str
    text: str | None = None  # what to write (CREATE, UPDATE, MERGE, CONFLICT)
    record: FileRecord | None = None  # the manifest entry afterwards; None drops it
    base: str | None = None  # the render to keep as the next merge base
    note: str = ""
    gone: bool = False  # dxgen rendered it before and renders it no more (collection gone)


def plan_update(
    out: Path,
    files: dict[str, str],
    owners: dict[str, str],
    manifest: Manifest | None,
    version: str,
) -> list[Step]:
    """One step per file rendered now or recorded in the manifest, sorted by path."""
    recorded = manifest.files if manifest is not None else {}
    steps = [
        _user_step(out, path, text, recorded.get(path))
        if owners.get(path) == USER
        else _generated_step(out, path, text, recorded.get(path), version)
        for path, text in files.items()
    ]
    steps.extend(
        _gone_step(out, path, record) for path, record in recorded.items() if path not in files
    )
    return sorted(steps, key=lambda s: s.path)


def _user_step(out: Path, path: str, text: str, record: FileRecord | None) -> Step:
    new_record = record or FileRecord(USER, digest(text))
    if (out / path).is_file():
        return Step(path, KEEP, record=new_record, note="yours")
    if record is not None:
        return Step(path, DELETED, record=record, note="yours, deleted: not created again")
    return Step(path, CREATE, text, new_record)


def _generated_step(
    out: Path, path: str, theirs: str, record: FileRecord | None, version: str
) -> Step:
    new_record = FileRecord(GENERATED, digest(theirs))
    target = out / path
    if not target.is_file():
        if record is not None:
            return Step(path, DELETED, record=record, note="you deleted it: it stays deleted")
        return Step(path, CREATE, theirs, new_record, theirs)
    ours = target.read_text(encoding="utf-8")
    if ours == theirs:
        return Step(path, UNCHANGED, record=new_record, base=theirs)
    if record is not None and digest(ours) == record.sha256:
        return Step(path, UPDATE, theirs, new_record, theirs)
    if has_markers(ours):
        return Step(path, UNRESOLVED, record=record, note="resolve its conflict markers first")
    base = (base_text(out, record) if record is not None else None) or ""
    if base == theirs:
        return Step(path, UNCHANGED, record=new_record, base=theirs, note="your edits kept")
    merged = merge(base, ours, theirs, version)
    if merged.text == ours:
        return Step(path, UNCHANGED, record=new_record, base=theirs, note="your edits kept")
    if merged.conflicts:
        note = f"{merged.conflicts} conflict{'s' if merged.conflicts > 1 else ''} to resolve"
        return Step(path, CONFLICT, merged.text, new_record, theirs, note)
    return Step(path, MERGE, merged.text, new_record, theirs, "your edits kept")


def _gone_step(out: Path, path: str, record: FileRecord) -> Step:
    """A file dxgen created before that the new render no longer has (its collection is gone)."""
    target = out / path
    if record.owner == USER:
        if target.is_file():
            return Step(path, KEEP, record=record, note="yours: kept", gone=True)
        return Step(path, DELETED, record=record, gone=True)
    if not target.is_file():
        return Step(path, DELETED, gone=True)
    if digest(target.read_text(encoding="utf-8")) == record.sha256:
        return Step(path, REMOVE, note="its collection is gone", gone=True)
    return Step(path, KEEP, note="edited, its collection is gone: kept, now yours", gone=True)
