"""Hooks of the `directus_files` collection: the fields the server owns stay the server's.

`/files` reuses the generic items handlers; these hooks add what makes a record a file record.
Clients never choose `filename_disk` (it would point the record at another object) nor the
measured fields (size, type of stored content, dimensions); creating sets the uploader and a
storage location, updating stamps `modified_on`/`modified_by`, and deleting a record removes
its stored object and cached variants once the delete has committed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g

from dxgen.runtime import system
from dxgen.runtime.accountability import current
from dxgen.runtime.errors import InvalidPayloadError
from dxgen.runtime.files.objects import remove_objects
from dxgen.runtime.files.runtime import files_runtime
from dxgen.runtime.hooks import HookContext
from dxgen.runtime.items import Key
from dxgen.runtime.web import runtime

# set from what was stored, never from a request body
SERVER_FIELDS = (
    "filename_disk",
    "filesize",
    "width",
    "height",
    "uploaded_by",
    "uploaded_on",
    "created_on",
    "modified_by",
    "modified_on",
    "tus_id",
    "tus_data",
)
_DOOMED = "dxgen_files_doomed"


def client_fields(payload: Any) -> dict[str, Any]:
    """`payload` without the server-owned fields; a non-object body is a 400."""
    if not isinstance(payload, dict):
        raise InvalidPayloadError('"value" must be of type object')
    return {k: v for k, v in payload.items() if k not in SERVER_FIELDS}


def before_create(payload: Any, context: HookContext) -> dict[str, Any]:
    """A metadata-only record (`POST /files` with JSON): `type` is required, as in Directus."""
    record = client_fields(payload)
    if not record.get("type"):
        raise InvalidPayloadError('"type" is required')
    record.setdefault("storage", files_runtime().default_location)
    files_runtime().location(record["storage"])
    record["uploaded_by"] = current().user
    return record


def before_update(payload: Any, keys: list[Key], context: HookContext) -> dict[str, Any]:
    record = client_fields(payload)
    record.pop("storage", None)  # moving an object between locations is not an edit
    record["modified_on"] = system.now().isoformat()  # payloads carry wire values
    record["modified_by"] = current().user
    return record


def before_delete(keys: list[Key], context: HookContext) -> None:
    """Remember where the doomed records' objects are: after the delete they are gone."""
    table = system.files
    ids = [key[0] for key in keys]
    statement = sa.select(table.c.id, table.c.storage, table.c.filename_disk).where(
        table.c.id.in_(ids)
    )
    with runtime().engine.connect() as conn:
        setattr(g, _DOOMED, [tuple(row) for row in conn.execute(statement)])


def after_delete(keys: list[Key], context: HookContext) -> None:
    for file_id, storage, filename_disk in getattr(g, _DOOMED, ()):
        remove_objects(str(file_id), storage, filename_disk)
