"""Three-way merge of a user's edits into a new render, with markers git tooling recognises.

The merge itself is merge3's (a maintained diff3); this module only picks the labels and counts
the conflicts, so that a conflict reads as "your edit" against "dxgen <version>".
"""

from __future__ import annotations

from dataclasses import dataclass

import merge3

START = "<<<<<<< your edit"
MIDDLE = "======="
END_PREFIX = ">>>>>>> dxgen"


@dataclass(frozen=True)
class Merged:
    text: str
    conflicts: int  # conflicting regions, each wrapped in markers


def merge(base: str, ours: str, theirs: str, version: str) -> Merged:
    """Merge `ours` (the user's file) and `theirs` (the new render), both descending from `base`
    (what dxgen last rendered). Lines changed on one side only are taken from that side; lines
    changed differently on both sides are kept, both of them, between labelled markers."""
    lines = merge3.Merge3(
        base.splitlines(keepends=True),
        _terminated(ours).splitlines(keepends=True),
        _terminated(theirs).splitlines(keepends=True),
    )
    text = "".join(
        lines.merge_lines(
            name_a="your edit",
            name_b=f"dxgen {version}",
            reprocess=True,
        )
    )
    return Merged(text, _conflicts_in(text))


def has_markers(text: str) -> bool:
    """Whether `text` still holds a conflict dxgen wrote and the user has not resolved."""
    return _conflicts_in(text) > 0


def _conflicts_in(text: str) -> int:
    return sum(1 for line in text.splitlines() if line == START)


def _terminated(text: str) -> str:
    """A last line without its newline would glue onto a marker line; end every side with one."""
    return text if not text or text.endswith("\n") else text + "\n"
