"""`/files` and `/assets`: the files collection with Directus's items semantics, plus uploads.

JSON requests go through the same handlers as `/items/<collection>` (with the files hooks);
multipart requests stream their file parts to storage (`upload`). Assets check that the caller may
read the file record, then stream the object (`assets`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from flask import Blueprint, Response, request

from dxgen.runtime import endpoints
from dxgen.runtime.errors import InvalidPayloadError
from dxgen.runtime.files import file_hooks
from dxgen.runtime.files.assets import RangeNotSatisfiableError, asset_for, asset_response
from dxgen.runtime.files.multipart import Event, read_events
from dxgen.runtime.files.records import stored_record
from dxgen.runtime.files.runtime import files_runtime
from dxgen.runtime.files.upload import create_uploads, replace_upload
from dxgen.runtime.hooks import NO_HOOKS, Hooks
from dxgen.runtime.system import FILES_COLLECTION
from dxgen.runtime.web import error_response, runtime

HOOKS = Hooks(file_hooks)
blueprint = Blueprint("dxgen_files", __name__)


def _multipart_events() -> Iterator[Event] | None:
    """The upload's events when the request is multipart, else None (a JSON request)."""
    if request.mimetype != "multipart/form-data":
        return None
    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise InvalidPayloadError("Multipart body without a boundary")
    # the app-wide MAX_PAYLOAD_SIZE is for JSON; file parts are limited one by one
    # (FILES_MAX_UPLOAD_SIZE) while they stream, text fields by MAX_PAYLOAD_SIZE in total
    request.max_content_length = sys.maxsize
    max_fields = runtime().settings.max_payload_size
    return read_events(request.stream.read, boundary.encode("latin-1"), max_fields)


@blueprint.get("/files")
def list_files() -> Response:
    return endpoints.read_many(FILES_COLLECTION, HOOKS)


@blueprint.route("/files", methods=["SEARCH"])
def search_files() -> Response:
    return endpoints.search(FILES_COLLECTION, HOOKS)


@blueprint.get("/files/<key>")
def read_file(key: str) -> Response:
    return endpoints.read_one(FILES_COLLECTION, HOOKS, key)


@blueprint.post("/files")
def create_files() -> Response:
    """Multipart: one record per file part (`{"data":{…}}` for one, a list for several);
    JSON: a metadata-only record. 400 INVALID_PAYLOAD, 413 CONTENT_TOO_LARGE, 403 FORBIDDEN."""
    events = _multipart_events()
    if events is None:
        return endpoints.create(FILES_COLLECTION, HOOKS)
    items = endpoints.service(FILES_COLLECTION, NO_HOOKS)  # the upload sets every field itself
    keys = create_uploads(items, events, files_runtime())
    return endpoints.read_back(items, keys, endpoints.request_query(), len(keys) > 1)


@blueprint.patch("/files")
def update_files() -> Response:
    return endpoints.update_many(FILES_COLLECTION, HOOKS)


@blueprint.patch("/files/<key>")
def update_file(key: str) -> Response:
    """JSON updates the record; multipart may also replace the content."""
    events = _multipart_events()
    if events is None:
        return endpoints.update_one(FILES_COLLECTION, HOOKS, key)
    items = endpoints.service(FILES_COLLECTION, HOOKS)
    parsed = items.parse_key(key)
    replace_upload(items, parsed, events, files_runtime())
    return endpoints.read_back(items, [parsed], endpoints.request_query(), False)


@blueprint.delete("/files")
def delete_files() -> Response:
    return endpoints.delete_many(FILES_COLLECTION, HOOKS)


@blueprint.delete("/files/<key>")
def delete_file(key: str) -> Response:
    """Removes the record, then its stored object and cached variants. 204."""
    return endpoints.delete_one(FILES_COLLECTION, HOOKS, key)


@blueprint.get("/assets/<key>")
@blueprint.get("/assets/<key>/<path:filename>")
def read_asset(key: str, filename: str | None = None) -> Response:
    """The file's content (`filename` is decorative, as in Directus). 403 FORBIDDEN for unknown
    ids or no read permission on directus_files, 400 ILLEGAL_ASSET_TRANSFORMATION, 416."""
    files = files_runtime()
    items = endpoints.service(FILES_COLLECTION, NO_HOOKS)
    record = stored_record(items, items.parse_key(key))
    asset = asset_for(record, files)
    try:
        return asset_response(record, asset, files.settings.assets_cache_ttl)
    except RangeNotSatisfiableError as error:
        response = error_response(error)
        response.headers["Content-Range"] = f"bytes */{asset.size}"
        return response
