"""Where file contents live: a small interface and the local-disk driver.

Records in `dxgen_files` name their object by `storage` (a location from `STORAGE_LOCATIONS`) and
`filename_disk` (the key). Everything else (uploads, assets, transformed variants) goes through
`Storage`, so an object-store driver only has to implement these few methods. Keys are flat names
checked by `check_key`, whatever the driver, so a key taken from the database can never reach
outside its location (`../../etc/passwd` is refused before any driver sees it).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from dxgen.runtime.config import ConfigError, Settings

CHUNK_SIZE = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


class StorageKeyError(ValueError):
    """A key that is not a plain object name (separators, `..`, control characters…)."""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise StorageKeyError(f"invalid storage key {key!r}")
    return key


@dataclass(frozen=True)
class ObjectStat:
    size: int
    modified: float  # unix seconds


class Storage(Protocol):
    """One storage location. Reads and writes are chunked: memory stays bounded by CHUNK_SIZE."""

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store `chunks` under `key` (replacing it only once complete); returns the size."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes `start`..`end` (exclusive; None = to the end) in chunks."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A seekable binary file for libraries that want one (Pillow)."""
        ...

    def stat(self, key: str) -> ObjectStat | None:
        """Size and modification time, or None when there is no such object."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key`; a missing object is not an error."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key starting with `prefix`."""
        ...


class LocalStorage:
    """Objects as files in one directory (`STORAGE_<LOC>_ROOT`, default `./uploads`)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if path.parent != self.root:  # belt and braces: symlinks cannot lead out either
            raise StorageKeyError(f"invalid storage key {key!r}")
        return path

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        # a temporary file renamed into place: readers never see half an object, and a failed
        # upload leaves the previous content (a replaced file) untouched
        fd, temp = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return size

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(key)

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                handle.seek(start)
                remaining = None if end is None else end - start
                while remaining is None or remaining > 0:
                    size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                    chunk = handle.read(size)
                    if not chunk:
                        return
                    if remaining is not None:
                        remaining -= len(chunk)
                    yield chunk

        return chunks()

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def stat(self, key: str) -> ObjectStat | None:
        try:
            result = self._path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectStat(result.st_size, result.st_mtime)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        return (p.name for p in self.root.iterdir() if p.name.startswith(prefix))


def _local(options: dict[str, str]) -> Storage:
    return LocalStorage(options.get("ROOT", "./uploads"))


# driver name -> factory taking that location's `STORAGE_<LOC>_*` variables (without the prefix)
DRIVERS: dict[str, Callable[[dict[str, str]], Storage]] = {"local": _local}


def open_locations(settings: Settings) -> dict[str, Storage]:
    """Every location of `STORAGE_LOCATIONS`, configured from `STORAGE_<LOC>_*`, in order."""
    if not settings.storage_locations:
        raise ConfigError("STORAGE_LOCATIONS must name at least one location")
    locations: dict[str, Storage] = {}
    for name in settings.storage_locations:
        options = settings.prefixed(f"STORAGE_{name.upper()}_")
        driver = options.get("DRIVER", "local").strip().lower()
        if driver not in DRIVERS:
            raise ConfigError(
                f"STORAGE_{name.upper()}_DRIVER must be one of {', '.join(DRIVERS)}, got {driver!r}"
            )
        locations[name] = DRIVERS[driver](options)
    return locations
