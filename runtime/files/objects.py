"""Stored objects of a file record: the original and its cached transformed variants.

Variants are stored next to the original as `<id>__<digest><ext>`, so everything belonging to a
file is found by the prefix of its id and goes away with it.
"""

from __future__ import annotations

import logging

from dxgen.runtime.files.runtime import files_runtime

log = logging.getLogger("dxgen.files")


def variant_prefix(file_id: str) -> str:
    return f"{file_id}__"


def remove_variants(file_id: str, storage: str) -> None:
    location = files_runtime().locations.get(storage)
    if location is None:
        return
    for key in list(location.keys(variant_prefix(file_id))):
        location.delete(key)


def remove_objects(file_id: str, storage: str, filename_disk: str | None) -> None:
    """Delete the original and the variants. Called after the record is gone, so a failure is
    logged (an orphan object costs disk space, not correctness) instead of failing the request."""
    location = files_runtime().locations.get(storage)
    if location is None:
        log.warning("file %s: storage location %r is not configured", file_id, storage)
        return
    try:
        if filename_disk:
            location.delete(filename_disk)
        remove_variants(file_id, storage)
    except (OSError, ValueError) as error:
        log.warning("file %s: could not remove its stored objects: %s", file_id, error)
