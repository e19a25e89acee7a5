"""`export=json|csv|csv_utf8|xml|yaml` and unbounded lists, written batch by batch.

Each writer turns batches of items into text chunks as they come from the server-side cursor,
so memory stays flat however many rows there are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

import orjson
import yaml

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "csv_utf8": "text/csv; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
    "yaml": "text/yaml; charset=utf-8",
}
EXTENSIONS = {"json": "json", "csv": "csv", "csv_utf8": "csv", "xml": "xml", "yaml": "yaml"}


def filename(collection: str, export: str, now: dt.datetime) -> str:
    """Directus's download name: `<collection> <yyyyMMdd-HHmmss>.<ext>`."""
    return f"{collection} {now.strftime('%Y%m%d-%H%M%S')}.{EXTENSIONS[export]}"


def json_list(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """`{"data":[…]}` for an unbounded list, one batch at a time."""
    yield b'{"data":['
    first = True
    for batch in batches:
        for item in batch:
            yield (b"" if first else b",") + orjson.dumps(item)
            first = False
    yield b"]}"


def _json(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    yield b"["
    first = True
    for batch in batches:
        for item in batch:
            text = orjson.dumps(item, option=orjson.OPT_INDENT_2).decode().replace("  ", "\t")
            indented = "\n".join("\t" + line for line in text.splitlines())
            yield (("\n" if first else ",\n") + indented).encode()
            first = False
    yield b"\n]" if not first else b"]"


def _flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = orjson.dumps(value).decode()
        else:
            flat[name] = value
    return flat


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv(batches: Iterable[list[dict[str, Any]]], bom: bool) -> Iterator[bytes]:
    """Header from the first item's (flattened) keys; strings quoted, numbers bare."""
    header: list[str] | None = None
    if bom:
        yield "\ufeff".encode()
    for batch in batches:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        for item in batch:
            flat = _flatten(item)
            if header is None:
                header = list(flat)
                writer.writerow(header)
            writer.writerow([_csv_value(flat.get(name)) for name in header])
        yield buffer.getvalue().encode()


def _xml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml_value(v)}</{k}>" for k, v in value.items())
    if isinstance(value, list):
        return "".join(f"<data>{_xml_value(v)}</data>" for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="utf-8"?>\n<data>'
    for batch in batches:
        yield "".join(f"\n\t<data>{_xml_value(item)}</data>" for item in batch).encode()
    yield b"\n</data>\n"


def _yaml(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    empty = True
    for batch in batches:
        if batch:
            empty = False
            yield yaml.safe_dump(batch, allow_unicode=True, sort_keys=False).encode()
    if empty:
        yield b"[]\n"


def write(export: str, batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    if export == "json":
        return _json(batches)
    if export in ("csv", "csv_utf8"):
        return _csv(batches, bom=export == "csv_utf8")
    if export == "xml":
        return _xml(batches)
    return _yaml(batches)
