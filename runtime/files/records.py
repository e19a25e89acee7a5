"""Reading a file record for the files feature itself: access checked, storage columns direct.

The caller's permission to read the record is checked through the items service (row filters
included), asking only for `id`; the storage columns are then read directly, because a role may
be allowed to read an asset without being allowed to see `filename_disk` or `storage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from dxgen.runtime import system
from dxgen.runtime.errors import ForbiddenError
from dxgen.runtime.items import ItemsService, Key
from dxgen.runtime.query.parse import Query
from dxgen.runtime.web import runtime


@dataclass(frozen=True)
class StoredRecord:
    id: str
    storage: str
    filename_disk: str | None
    filename_download: str
    type: str | None
    width: int | None
    height: int | None
    focal_point_x: int | None
    focal_point_y: int | None
    modified_on: datetime


def stored_record(items: ItemsService, key: Key) -> StoredRecord:
    """The record at `key`; 403 FORBIDDEN when it is missing or the caller may not read it."""
    items.read_one(key, Query(fields=["id"]))
    table = system.files
    columns = [table.c[name] for name in StoredRecord.__dataclass_fields__]
    with runtime().engine.connect() as conn:
        row = conn.execute(sa.select(*columns).where(table.c.id == key[0])).mappings().first()
    if row is None:  # deleted in between
        raise ForbiddenError()
    values = dict(row)
    values["id"] = str(values["id"])
    modified = values["modified_on"]
    values["modified_on"] = modified if modified.tzinfo else modified.replace(tzinfo=UTC)
    return StoredRecord(**values)
