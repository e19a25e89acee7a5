"""TypeScript types for the generated API: one interface per collection and the `Schema` that
`createDirectus<Schema>(url)` from `@directus/sdk` takes, rendered to `client/schema.ts`.

Types follow our wire format (DESIGN.md "One wire format"): decimals and big integers are strings.
Relational fields are typed as Directus's docs recommend: a many-to-one is the key or the related
item (`number | Authors`), one-to-many and many-to-many are arrays of either, so the SDK can type
`fields: ['author_id.name']` as well as the bare key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from dxgen.naming import class_name, unique_identifiers
from dxgen.schema import Collection, Schema

WIRE_TYPES = {
    "integer": "number",
    "float": "number",
    "bigInteger": "string",
    "decimal": "string",
    "boolean": "boolean",
    "csv": "string[]",
    "json": "unknown",
}  # every other Directus type is a string on the wire (text, dates, uuid, hash, binary)
ROOT = "Schema"
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class Property:
    key: str  # already quoted when it is not a plain identifier
    type: str


@dataclass(frozen=True)
class Interface:
    name: str
    collection: str
    key: str  # the collection's key in `Schema`
    properties: tuple[Property, ...]


def property_key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else json.dumps(name, ensure_ascii=False)


def interface_names(schema: Schema) -> dict[str, str]:
    """PascalCase per collection, unique, and never the root `Schema` itself."""
    identifiers = unique_identifiers(c.name for c in schema.collections)
    names = {name: class_name(ident) or "Item" for name, ident in identifiers.items()}
    return {c: f"{n}Item" if n == ROOT else n for c, n in names.items()}


def key_type(collection: Collection) -> str:
    """The wire type of a single primary key; `string` for composite keys (`a,b`)."""
    if len(collection.primary_key) != 1:
        return "string"
    return WIRE_TYPES.get(collection.column(collection.primary_key[0]).type, "string")


def interfaces(schema: Schema) -> tuple[Interface, ...]:
    names = interface_names(schema)
    result = []
    for collection in sorted(schema.collections, key=lambda c: c.name):
        relations = {r.field: r for r in schema.relations_of(collection.name)}
        properties = []
        for column in collection.columns:
            value = WIRE_TYPES.get(column.type, "string")
            relation = relations.get(column.name)
            if relation is not None and relation.related in names:  # not a system collection
                value = f"{value} | {names[relation.related]}"
            if column.nullable and value != "unknown":
                value += " | null"
            properties.append(Property(property_key(column.name), value))
        for relation in relations.values():
            if relation.kind != "m2o":
                related = schema.collection(relation.related)
                value = f"{key_type(related)}[] | {names[related.name]}[]"
                properties.append(Property(property_key(relation.field), value))
        result.append(
            Interface(
                names[collection.name],
                collection.name,
                property_key(collection.name),
                tuple(properties),
            )
        )
    return tuple(result)
