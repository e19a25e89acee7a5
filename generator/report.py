"""Human-readable description of a schema model, for `dxgen inspect`."""

from __future__ import annotations

from dxgen.schema import Collection, Column, Schema


def _column_line(column: Column, relations: dict[str, str]) -> str:
    notes = []
    if column.primary_key:
        notes.append("primary key")
    if column.autoincrement:
        notes.append("auto")
    if not column.nullable and not column.primary_key:
        notes.append("not null")
    if column.unique and not column.primary_key:
        notes.append("unique")
    if column.has_default and not column.autoincrement:
        notes.append(f"default {column.default}")
    if column.enum_values:
        notes.append("one of " + "|".join(column.enum_values))
    if column.readonly:
        notes.append("read-only")
    if column.name in relations:
        notes.append(relations[column.name])
    size = ""
    if column.max_length:
        size = f"({column.max_length})"
    elif column.precision is not None:
        size = f"({column.precision},{column.scale or 0})"
    kind = f"{column.type}{size}"
    return f"  {column.name:<24} {kind:<16} {', '.join(notes)}".rstrip()


def _collection_block(schema: Schema, collection: Collection) -> list[str]:
    key = ", ".join(collection.primary_key) or "none"
    flag = " read-only" if collection.readonly else ""
    lines = [f"{collection.name} ({collection.kind}{flag}, key: {key})"]
    relations = {
        r.field: f"m2o -> {r.related}"
        for r in schema.relations_of(collection.name)
        if r.kind == "m2o"
    }
    lines.extend(_column_line(c, relations) for c in collection.columns)
    for r in schema.relations_of(collection.name):
        if r.kind == "o2m":
            lines.append(f"  {r.field:<24} {'alias':<16} o2m -> {r.related}.{r.related_field}")
        elif r.kind == "m2m":
            target = f"{r.related}.{r.related_field} -> {r.far_collection}"
            lines.append(f"  {r.field:<24} {'alias':<16} m2m via {target}")
    return lines


def describe(schema: Schema) -> str:
    """What dxgen sees, collection by collection, then the warnings."""
    lines = [
        f"{schema.dialect}: {len(schema.collections)} collections, "
        f"{len(schema.relations)} relational fields",
        "",
    ]
    for collection in schema.collections:
        lines.extend(_collection_block(schema, collection))
        lines.append("")
    if schema.warnings:
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in schema.warnings)
    return "\n".join(lines).rstrip() + "\n"
