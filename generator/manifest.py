"""`.dxgen/manifest.json`: what dxgen wrote into an app, so the next run can merge instead of
overwrite.

It records the dxgen version, the options of the run, the schema snapshot that produced the
output and, for every file, its owner and the hash of the text dxgen rendered for it. The texts
themselves live beside it as content-addressed copies (`.dxgen/base/<sha256>`), so the base of a
3-way merge can always be rebuilt without network or git. Keys are sorted and nothing depends on
the clock: regenerating an unchanged schema rewrites the manifest byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxgen.schema import Schema

MANIFEST_DIR = ".dxgen"
MANIFEST_PATH = f"{MANIFEST_DIR}/manifest.json"
BASE_DIR = f"{MANIFEST_DIR}/base"
MANIFEST_FORMAT = 1
OPTION_NAMES = ("package", "schema", "include", "exclude")


class ManifestError(Exception):
    """The manifest is unreadable: dxgen will not guess what it wrote before."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FileRecord:
    """One file dxgen created: who owns it and the hash of the text dxgen rendered for it."""

    owner: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    version: str
    options: dict[str, Any]
    schema: Schema | None
    files: dict[str, FileRecord] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {
            "format": MANIFEST_FORMAT,
            "dxgen": self.version,
            "options": self.options,
            "schema": self.schema.to_dict() if self.schema is not None else None,
            "files": {
                path: {"owner": r.owner, "sha256": r.sha256} for path, r in self.files.items()
            },
        }
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            schema = data.get("schema")
            return cls(
                version=data["dxgen"],
                options=dict(data.get("options") or {}),
                schema=Schema.from_dict(schema) if schema is not None else None,
                files={
                    path: FileRecord(entry["owner"], entry["sha256"])
                    for path, entry in data["files"].items()
                },
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ManifestError(f"{MANIFEST_PATH} is not a dxgen manifest: {error}") from None


def load(out: Path) -> Manifest | None:
    """The manifest of the app in `out`, or None when dxgen has not written one there."""
    path = out / MANIFEST_PATH
    if not path.is_file():
        return None
    return Manifest.from_json(path.read_text(encoding="utf-8"))


def base_text(out: Path, record: FileRecord) -> str | None:
    """The text dxgen last rendered for a file, or None when its copy is missing."""
    path = out / BASE_DIR / record.sha256
    return path.read_text(encoding="utf-8") if path.is_file() else None


def save(out: Path, manifest: Manifest, texts: dict[str, str]) -> None:
    """Write the manifest and the base copy of every text it names; drop base copies that no
    file refers to any more. `texts` maps a sha256 to its text."""
    base = out / BASE_DIR
    base.mkdir(parents=True, exist_ok=True)
    wanted = {record.sha256 for record in manifest.files.values()} & set(texts)
    for sha in sorted(wanted):
        target = base / sha
        if not target.is_file():
            target.write_text(texts[sha], encoding="utf-8", newline="\n")
    referenced = {record.sha256 for record in manifest.files.values()}
    for stale in base.iterdir():
        if stale.is_file() and _is_digest(stale.name) and stale.name not in referenced:
            stale.unlink()
    path = out / MANIFEST_PATH
    text = manifest.to_json()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8", newline="\n")


def _is_digest(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)
