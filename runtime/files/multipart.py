"""A streaming reader of `multipart/form-data` request bodies.

Werkzeug's `request.files` spools every part to a temporary file before the view runs; uploads go
straight to storage instead, so the body is read here chunk by chunk through werkzeug's
sans-I/O `MultipartDecoder` and turned into a flat sequence of events. Memory stays bounded:
file data is handed on as it arrives, text fields are capped at `max_field_size` in total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from werkzeug.sansio import multipart as sansio
from werkzeug.sansio.multipart import MultipartDecoder

from dxgen.runtime.errors import InvalidPayloadError
from dxgen.runtime.files.storage import CHUNK_SIZE


@dataclass(frozen=True)
class TextField:
    name: str
    value: str


@dataclass(frozen=True)
class FileStart:
    name: str
    filename: str | None
    content_type: str | None


@dataclass(frozen=True)
class FileData:
    data: bytes


@dataclass(frozen=True)
class FileEnd:
    pass


Event = TextField | FileStart | FileData | FileEnd


def read_events(
    read: Callable[[int], bytes], boundary: bytes, max_field_size: int
) -> Iterator[Event]:
    """Events of the body that `read(n)` returns, in order. A malformed body is a 400."""
    # the decoder's own limit bounds its buffer, which holds up to a chunk of file data too
    decoder = MultipartDecoder(boundary, max_form_memory_size=max(max_field_size, 4 * CHUNK_SIZE))
    field: sansio.Field | None = None
    value = bytearray()
    field_bytes = 0  # all text fields together, so many small fields cannot exhaust memory
    while True:
        chunk = read(CHUNK_SIZE)
        try:
            decoder.receive_data(chunk or None)
            event = decoder.next_event()
            while not isinstance(event, sansio.NeedData | sansio.Epilogue):
                if isinstance(event, sansio.Field):
                    field, value = event, bytearray()
                elif isinstance(event, sansio.File):
                    field = None
                    yield FileStart(event.name, event.filename, event.headers.get("Content-Type"))
                elif isinstance(event, sansio.Data):
                    if field is None:
                        if event.data:
                            yield FileData(event.data)
                        if not event.more_data:
                            yield FileEnd()
                    else:
                        value += event.data
                        field_bytes += len(event.data)
                        if field_bytes > max_field_size:
                            raise InvalidPayloadError("Form fields are too large")
                        if not event.more_data:
                            yield TextField(field.name, _text(value))
                event = decoder.next_event()
        except ValueError as error:  # werkzeug: "Invalid form-data", "Unexpected end"…
            raise InvalidPayloadError(
                str(error).rstrip(".") or "Malformed multipart body"
            ) from None
        if isinstance(event, sansio.Epilogue) or not chunk:
            if not isinstance(event, sansio.Epilogue):
                raise InvalidPayloadError("Unexpected end of multipart body")
            return


def _text(value: bytearray) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPayloadError("Form fields must be UTF-8") from None
