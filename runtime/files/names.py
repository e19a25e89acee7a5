"""File names: what a client sends is display data, never a path.

`filename_download` keeps the client's name (made safe to put in a header), the stored object is
named after the record id, so a hostile name like `../../app.py` can neither choose where the
bytes land nor break the `Content-Disposition` header they are served with.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

MAX_NAME_LENGTH = 255
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]')
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
_WORD_SPLIT = re.compile(r"[\s_\-.]+")


def safe_filename(raw: str | None) -> str | None:
    """The last path segment of `raw` (either separator), without control or reserved characters,
    at most 255 characters; None when nothing usable is left."""
    if raw is None:
        return None
    name = unicodedata.normalize("NFC", raw)
    name = PureWindowsPath(PurePosixPath(name).name).name  # strips `a/b`, `a\b`, `C:x`
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    if len(name) > MAX_NAME_LENGTH:
        stem, extension = split_extension(name)
        name = stem[: MAX_NAME_LENGTH - len(extension)] + extension
    return name or None


def split_extension(name: str) -> tuple[str, str]:
    """(`stem`, `.ext`) where `.ext` is a short alphanumeric extension, else (`name`, "")."""
    dot = name.rfind(".")
    if dot > 0 and _EXTENSION.fullmatch(name[dot:]):
        return name[:dot], name[dot:]
    return name, ""


def disk_name(file_id: str, filename: str | None) -> str:
    """The storage key of a file: its id plus the (lower-cased) extension of its name, as
    Directus names them (`<uuid>.png`)."""
    return file_id + split_extension(filename or "")[1].lower()


def format_title(filename: str) -> str:
    """Directus's default title: the name without extension, words capitalised
    (`red-image.png` -> `Red Image`)."""
    stem = split_extension(filename)[0]
    words = [w for w in _WORD_SPLIT.split(stem) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or stem
