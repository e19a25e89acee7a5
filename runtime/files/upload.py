"""Multipart uploads: `POST /files` (new records) and `PATCH /files/<id>` (replaced content).

As in Directus, text fields must come before the file part they describe; each file part makes
one record. The record is created (or updated) through the items service first, so permissions
and validation answer before a byte is stored; the content then streams to storage, and what was
measured (sniffed type, size, image dimensions) is written last. A failed upload leaves no record
and no object behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from dxgen.runtime import system
from dxgen.runtime.accountability import current
from dxgen.runtime.errors import ContentTooLargeError, InvalidPayloadError
from dxgen.runtime.files.file_hooks import client_fields
from dxgen.runtime.files.multipart import Event, FileData, FileEnd, FileStart, TextField
from dxgen.runtime.files.names import disk_name, format_title, safe_filename
from dxgen.runtime.files.objects import remove_objects, remove_variants
from dxgen.runtime.files.runtime import FilesRuntime
from dxgen.runtime.files.sniff import HEAD_SIZE, is_allowed, sniff_type
from dxgen.runtime.files.storage import Storage
from dxgen.runtime.items import ItemsService, Key
from dxgen.runtime.query.parse import sanitize
from dxgen.runtime.web import runtime

_LITERALS = {"null": None, "true": True, "false": False}


@dataclass(frozen=True)
class Measured:
    """What storing a file found out about it."""

    type: str
    filesize: int
    width: int | None
    height: int | None


class _Receiver:
    """Feeds one file part's data to storage, enforcing the size limit and the MIME allow-list
    as soon as they can be decided (the type once the first bytes are in)."""

    def __init__(self, events: Iterator[Event], files: FilesRuntime, filename: str) -> None:
        self.events = events
        self.max_size = files.settings.files_max_upload_size
        self.allow_list = files.settings.files_mime_type_allow_list
        self.filename = filename
        self.head = b""
        self.size = 0
        self.type: str | None = None

    def chunks(self) -> Iterator[bytes]:
        for event in self.events:
            if isinstance(event, FileEnd):
                break
            assert isinstance(event, FileData)
            self.size += len(event.data)
            if self.max_size is not None and self.size > self.max_size:
                raise ContentTooLargeError()
            if self.type is None:
                self.head += event.data[: HEAD_SIZE - len(self.head)]
                if len(self.head) >= HEAD_SIZE:
                    self._decide_type()
            yield event.data
        if self.type is None:
            self._decide_type()

    def _decide_type(self) -> None:
        self.type = sniff_type(self.head, self.filename)
        if not is_allowed(self.type, self.allow_list):
            raise InvalidPayloadError("File is of invalid content type")

    def store(self, location: Storage, key: str) -> Measured:
        size = location.write(key, self.chunks())
        assert self.type is not None
        width, height = (
            _dimensions(location, key) if self.type.startswith("image/") else (None, None)
        )
        return Measured(self.type, size, width, height)


def _dimensions(location: Storage, key: str) -> tuple[int | None, int | None]:
    """Width and height from the image header (Pillow reads no pixels for this)."""
    try:
        with location.open(key) as handle, Image.open(handle) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None, None


def _field_value(raw: str) -> Any:
    """Directus coerces the text values `null`, `true` and `false`."""
    return _LITERALS.get(raw, raw)


def _save_measurements(file_id: str, measured: Measured, **extra: Any) -> None:
    table = system.files
    values = {
        "type": measured.type,
        "filesize": measured.filesize,
        "width": measured.width,
        "height": measured.height,
        "uploaded_on": system.now(),
        **extra,
    }
    with runtime().engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == file_id).values(**values))


def _delete_record(file_id: str) -> None:
    with runtime().engine.begin() as conn:
        conn.execute(sa.delete(system.files).where(system.files.c.id == file_id))


def _filename(start: FileStart) -> str:
    filename = safe_filename(start.filename)
    if filename is None:
        raise InvalidPayloadError("File is missing filename")
    return filename


def create_uploads(items: ItemsService, events: Iterator[Event], files: FilesRuntime) -> list[Key]:
    """One new record per file part; fields before a part apply to it (and to later parts)."""
    fields: dict[str, Any] = {}
    keys: list[Key] = []
    for event in events:
        if isinstance(event, TextField):
            fields[event.name] = _field_value(event.value)
            continue
        assert isinstance(event, FileStart)
        keys.append(_create_one(items, events, files, fields, _filename(event), event))
    if not keys:
        raise InvalidPayloadError("No files were included in the body")
    return keys


def _create_one(
    items: ItemsService,
    events: Iterator[Event],
    files: FilesRuntime,
    fields: dict[str, Any],
    filename: str,
    start: FileStart,
) -> Key:
    file_id = system.new_id()
    record = client_fields(fields)
    record.pop("id", None)
    record.setdefault("storage", files.default_location)
    record.setdefault("filename_download", filename)
    record.setdefault("title", format_title(filename))
    record.update(
        id=file_id,
        type=start.content_type or "application/octet-stream",  # until the content says
        filename_disk=disk_name(file_id, filename),
        uploaded_by=current().user,
    )
    location = files.location(record["storage"])
    [key] = items.create_many([record])
    try:
        measured = _Receiver(events, files, filename).store(location, record["filename_disk"])
    except BaseException:
        _delete_record(file_id)
        raise
    _save_measurements(file_id, measured)
    return key


def replace_upload(
    items: ItemsService, key: Key, events: Iterator[Event], files: FilesRuntime
) -> None:
    """`PATCH /files/<id>` as multipart: fields update the record, one file part replaces the
    content (stored under a new name when the extension changes; the old object then goes)."""
    current_record = items.read_one(key, sanitize({"fields": "id,storage,filename_disk"}))
    fields: dict[str, Any] = {}
    replaced = False
    for event in events:
        if isinstance(event, TextField):
            fields[event.name] = _field_value(event.value)
            continue
        assert isinstance(event, FileStart)
        if replaced:
            raise InvalidPayloadError("Only one file can replace a file's content")
        filename = _filename(event)
        fields.setdefault("filename_download", filename)
        items.update_keys([key], fields)
        _replace_content(current_record, events, files, filename)
        replaced = True
    if not replaced:
        items.update_keys([key], fields)


def _replace_content(
    record: dict[str, Any], events: Iterator[Event], files: FilesRuntime, filename: str
) -> None:
    file_id, storage, old_key = record["id"], record["storage"], record["filename_disk"]
    location = files.location(storage)
    new_key = disk_name(file_id, filename)
    measured = _Receiver(events, files, filename).store(location, new_key)
    _save_measurements(
        file_id,
        measured,
        filename_disk=new_key,
        modified_on=system.now(),
        modified_by=current().user,
    )
    if old_key and old_key != new_key:
        remove_objects(file_id, storage, old_key)
    else:
        remove_variants(file_id, storage)
