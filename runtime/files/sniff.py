"""The MIME type of an upload, decided from its first bytes rather than from the client's claim.

Signatures come from `puremagic`: pure Python (nothing to install on the host, unlike libmagic
through python-magic), actively maintained, and it can rank several content matches by the
file's extension, which is the only use it makes of the name (`PK\\x03\\x04` is a zip, a docx or
an xlsx; the name picks among those, it never overrides the content). Content no signature
recognises is text when it decodes as UTF-8 without NUL bytes, else `application/octet-stream`.
"""

from __future__ import annotations

import fnmatch
import mimetypes

import puremagic

HEAD_SIZE = 8192  # enough for every signature puremagic checks at the start of a file
OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain"


def sniff_type(head: bytes, filename: str | None) -> str:
    """The MIME type of a file whose first bytes are `head`."""
    if not head:
        return TEXT if filename and _guess(filename) == TEXT else OCTET_STREAM
    try:
        found = puremagic.from_string(head, mime=True, filename=filename or None)
    except (puremagic.PureError, ValueError):
        found = ""
    if found:
        return found
    return _text_type(head, filename) if _is_text(head) else OCTET_STREAM


def _is_text(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut off by the end of the head
    return True


def _guess(filename: str) -> str | None:
    return mimetypes.guess_type(filename, strict=False)[0]


def _text_type(head: bytes, filename: str | None) -> str:
    """A textual type named by the extension (`text/csv`), else `text/plain`: the name may say
    which text it is, it may not turn text into something a browser would execute."""
    guessed = _guess(filename) if filename else None
    if guessed and guessed.startswith("text/") and guessed not in {"text/html", "text/javascript"}:
        return guessed
    return TEXT


def is_allowed(mime_type: str, allow_list: tuple[str, ...]) -> bool:
    """`FILES_MIME_TYPE_ALLOW_LIST` patterns (`*/*`, `image/*`, `application/pdf`)."""
    return any(fnmatch.fnmatchcase(mime_type, pattern.strip()) for pattern in allow_list)
