"""`GET /assets/<id>[/<filename>]`: a file's content as HTTP wants it served.

Headers follow Directus (contract §5 F5): `Content-Type`, `Content-Disposition` (inline, or
attachment with `?download`), `Accept-Ranges: bytes`, `Cache-Control: private, max-age=…`,
`Last-Modified`, `ETag: "<unix seconds of modified_on>"`; conditional requests answer 304 and a
single byte range 206 (416 when it lies outside the file). Transformed images are rendered once
per (file version, transform) and kept on storage next to the original.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, request, stream_with_context
from werkzeug.http import is_resource_modified, parse_range_header

from dxgen.runtime.errors import DirectusError, ForbiddenError
from dxgen.runtime.files.objects import variant_prefix
from dxgen.runtime.files.records import StoredRecord
from dxgen.runtime.files.runtime import FilesRuntime
from dxgen.runtime.files.storage import CHUNK_SIZE, Storage, StorageKeyError
from dxgen.runtime.files.transform import (
    FORMATS,
    TRANSFORMABLE_TYPES,
    Transform,
    output_format,
    parse_transform,
    render,
)

log = logging.getLogger("dxgen.files")
# types a browser would run as a document on our origin: served sandboxed
ACTIVE_TYPES = frozenset({"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"})


class RangeNotSatisfiableError(DirectusError):
    status = 416
    code = "RANGE_NOT_SATISFIABLE"

    def __init__(self, start: int | None, end: int | None) -> None:
        super().__init__(
            f"Range \"{start}-{end}\" is invalid or the file's size doesn't match the requested "
            "range.",
            range={"start": start, "end": end},
        )


@dataclass(frozen=True)
class Asset:
    """The object to send: where it is, what it is, and its validators."""

    location: Storage
    key: str
    type: str
    size: int
    etag: str
    varies_by_accept: bool = False


def asset_for(record: StoredRecord, files: FilesRuntime) -> Asset:
    """The original or, when the query asks for a transform of an image, its variant."""
    settings = files.settings
    location = files.locations.get(record.storage)
    if location is None or not record.filename_disk:
        raise ForbiddenError()  # a metadata-only record has nothing to serve
    try:
        stat = location.stat(record.filename_disk)
    except StorageKeyError:
        stat = None
    if stat is None:
        log.warning("file %s: stored object %r is missing", record.id, record.filename_disk)
        raise ForbiddenError()
    version = str(int(record.modified_on.timestamp()))
    transform = parse_transform(
        request.args,
        request.headers.get("Accept", ""),
        settings.assets_transform_image_max_dimension,
        settings.assets_transform_max_operations,
    )
    content_type = record.type or "application/octet-stream"
    if transform is None or content_type not in TRANSFORMABLE_TYPES:
        return Asset(location, record.filename_disk, content_type, stat.size, version)
    transform = transform.focused(record.focal_point_x, record.focal_point_y)
    return _variant(
        record, location, transform, version, settings.assets_transform_image_max_dimension
    )


def _variant(
    record: StoredRecord, location: Storage, transform: Transform, version: str, max_dim: int
) -> Asset:
    assert record.type is not None and record.filename_disk is not None
    digest = transform.digest(version)
    extension = FORMATS[output_format(transform, record.type)][2]
    key = f"{variant_prefix(record.id)}{digest}{extension}"
    mime_type = FORMATS[output_format(transform, record.type)][1]
    stat = location.stat(key)
    if stat is None:
        with (
            location.open(record.filename_disk) as source,
            tempfile.SpooledTemporaryFile(max_size=4 * CHUNK_SIZE) as out,
        ):
            render(source, transform, record.type, max_dim, out)
            out.seek(0)
            size = location.write(key, iter(lambda: out.read(CHUNK_SIZE), b""))
    else:
        size = stat.size
    auto = request.args.get("format") == "auto" or "key" in request.args
    return Asset(location, key, mime_type, size, f"{version}-{digest[:8]}", auto)


def asset_response(record: StoredRecord, asset: Asset, cache_ttl_ms: int) -> Response:
    """The 200/206/304 response for `asset` (416 raised for an unsatisfiable range)."""
    response = Response(status=200, content_type=asset.type)
    response.set_etag(asset.etag)
    response.last_modified = record.modified_on
    response.headers["Cache-Control"] = f"private, max-age={cache_ttl_ms // 1000}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Vary"] = "Origin, Cache-Control" + (
        ", Accept" if asset.varies_by_accept else ""
    )
    response.headers["Content-Disposition"] = content_disposition(
        record.filename_download, "download" in request.args
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if asset.type.split(";")[0].strip() in ACTIVE_TYPES:
        response.headers["Content-Security-Policy"] = "sandbox"
    if not is_resource_modified(request.environ, asset.etag, last_modified=record.modified_on):
        response.status_code = 304
        return response
    start, end = _byte_range(asset, record)
    if (start, end) != (0, asset.size):
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{asset.size}"
    response.content_length = end - start
    response.response = stream_with_context(_chunks(asset, start, end))
    return response


def _chunks(asset: Asset, start: int, end: int) -> Iterator[bytes]:
    if end > start:
        yield from asset.location.read(asset.key, start, end)


def _byte_range(asset: Asset, record: StoredRecord) -> tuple[int, int]:
    """(start, end exclusive) to send: the whole object unless one satisfiable byte range was
    asked for (several ranges, other units or a stale If-Range get the whole object)."""
    header = request.headers.get("Range")
    parsed = parse_range_header(header) if header else None
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return 0, asset.size
    if_range = request.if_range
    if (if_range.etag or if_range.date) and (
        if_range.etag != asset.etag
        if if_range.etag
        else if_range.date is None or if_range.date < record.modified_on.replace(microsecond=0)
    ):
        return 0, asset.size
    found = parsed.range_for_length(asset.size)
    if found is None:
        first, last = parsed.ranges[0]
        raise RangeNotSatisfiableError(first, None if last is None else last - 1)
    return found


def content_disposition(filename: str, download: bool) -> str:
    """`inline; filename="a.png"`, with an RFC 5987 `filename*` for non-ASCII names."""
    kind = "attachment" if download else "inline"
    plain = "".join(c for c in filename if c.isprintable() and c not in '"\\')
    ascii_name = plain.encode("ascii", "replace").decode("ascii").replace("?", "_")
    header = f'{kind}; filename="{ascii_name}"'
    if ascii_name != plain:
        header += f"; filename*=UTF-8''{quote(plain)}"
    return header
