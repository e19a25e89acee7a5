"""Hooks for /items/articles_tags.

This file is yours: dxgen created it once and never overwrites it. Define any of the functions
below (all are optional; a missing one changes nothing). Each gets a `context` with the
collection name and the caller; raise a `dxgen.runtime.errors.DirectusError` to refuse a request.

    def before_read(query, context): return query            # rewrite the query
    def after_read(items, context): return items             # transform what is returned
    def before_create(payload, context): return payload      # change what is written
    def after_create(keys, context): ...
    def before_update(payload, keys, context): return payload
    def after_update(keys, context): ...
    def before_delete(keys, context): ...
    def after_delete(keys, context): ...
"""
