"""Hooks for /items/categories.

This file is yours: dxgen created it once and never overwrites it, not even when it is deleted.
Define any of the functions below; all are optional, and a missing one changes nothing, so this
file keeps working when a newer dxgen adds hook points. Returning None from a transforming hook
keeps the value it was given. Raise a `dxgen.runtime.errors.DirectusError` (for example
`ForbiddenError()` or `InvalidPayloadError("reason")`) to refuse a request with Directus's error
envelope.

`context` says who is asking: `context.collection`, `context.user` and `context.role` (None for
anonymous callers). `query` is a `dxgen.runtime.query.parse.Query` (fields, filter, search,
sort, limit, offset, ...); `keys` are primary keys.

Reads:
    def before_read(query, context): return query            # rewrite the query (add a filter)
    def after_read(items, context): return items             # transform what is returned
Creates (before_create runs once per item):
    def before_create(payload, context): return payload      # check or change what is written
    def after_create(keys, context): ...                      # after the commit
Updates:
    def before_update(payload, keys, context): return payload
    def after_update(keys, context): ...
Deletes:
    def before_delete(keys, context): ...                     # raise to refuse
    def after_delete(keys, context): ...

Renames, hidden fields, read-only collections and limits need no hook: put them in dxgen.toml
beside this app (described in dxgen's README, "Customising without merges").
"""
