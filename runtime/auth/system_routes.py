"""`/users`, `/roles`, `/permissions` with the items semantics, plus `/users/me` and
`/permissions/me`. They are ordinary collections over dxgen's own tables, so every query
parameter, batch form and permission rule of `/items` applies to them unchanged."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, Response

from dxgen.runtime import endpoints, system
from dxgen.runtime.accountability import current
from dxgen.runtime.auth.passwords import digest, hash_password
from dxgen.runtime.errors import InvalidCredentialsError
from dxgen.runtime.hooks import Hooks
from dxgen.runtime.model import Collection
from dxgen.runtime.permissions import ACTIONS, CACHE, Access
from dxgen.runtime.serialize import CONCEALED
from dxgen.runtime.web import json_response, runtime

blueprint = Blueprint("dxgen_system", __name__)


def _secrets_hashed(payload: Any, *_rest: Any) -> Any:
    """Passwords are stored as argon2id hashes and static tokens as digests; the concealed
    placeholder a client may send back unchanged is not a new value."""
    if not isinstance(payload, dict):
        return payload
    payload = dict(payload)
    for name, transform in (("password", hash_password), ("token", digest)):
        value = payload.get(name)
        if value == CONCEALED:
            del payload[name]
        elif isinstance(value, str):
            payload[name] = transform(value)
    return payload


def _forget_permissions(*_args: Any) -> None:
    CACHE.clear()


USER_HOOKS = Hooks(SimpleNamespace(before_create=_secrets_hashed, before_update=_secrets_hashed))
ACCESS_HOOKS = Hooks(
    SimpleNamespace(
        after_create=_forget_permissions,
        after_update=_forget_permissions,
        after_delete=_forget_permissions,
    )
)


def _register(base: str, collection: Collection, hooks: Hooks) -> None:
    name = base.strip("/")

    def many_get() -> Response:
        return endpoints.read_many(collection, hooks)

    def many_search() -> Response:
        return endpoints.search(collection, hooks)

    def many_post() -> Response:
        return endpoints.create(collection, hooks)

    def many_patch() -> Response:
        return endpoints.update_many(collection, hooks)

    def many_delete() -> Response:
        return endpoints.delete_many(collection, hooks)

    def one_get(key: str) -> Response:
        return endpoints.read_one(collection, hooks, key)

    def one_patch(key: str) -> Response:
        return endpoints.update_one(collection, hooks, key)

    def one_delete(key: str) -> Response:
        return endpoints.delete_one(collection, hooks, key)

    for view, method in (
        (many_get, "GET"),
        (many_search, "SEARCH"),
        (many_post, "POST"),
        (many_patch, "PATCH"),
        (many_delete, "DELETE"),
    ):
        blueprint.add_url_rule(base, f"{name}_{method.lower()}", view, methods=[method])
    for view, method in ((one_get, "GET"), (one_patch, "PATCH"), (one_delete, "DELETE")):
        blueprint.add_url_rule(
            f"{base}/<key>", f"{name}_one_{method.lower()}", view, methods=[method]
        )


@blueprint.get("/users/me")
def read_me() -> Response:
    """The caller's user; only `{"id"}` when their role may not read users (as Directus)."""
    who = current()
    if not who.authenticated:
        raise InvalidCredentialsError()
    access = CACHE.access(runtime().engine, who)
    if access.rule(system.USERS, "read") is None:
        return json_response({"data": {"id": who.user}})
    return endpoints.read_one(system.USERS_COLLECTION, USER_HOOKS, str(who.user))


@blueprint.patch("/users/me")
def update_me() -> Response:
    who = current()
    if not who.authenticated:
        raise InvalidCredentialsError()
    return endpoints.update_one(system.USERS_COLLECTION, USER_HOOKS, str(who.user))


@blueprint.get("/permissions/me")
def permissions_me() -> Response:
    """Per collection and action: `none`, `partial` (a row filter or field list) or `full`."""
    rt = runtime()
    access = CACHE.access(rt.engine, current())
    return json_response({"data": {name: _summary(access, name) for name in sorted(rt.registry)}})


def _summary(access: Access, collection: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for action in ACTIONS:
        rule = None if action == "share" and not access.admin else access.rule(collection, action)
        if rule is None:
            result[action] = {"access": "none"}
            continue
        entry: dict[str, Any] = {
            "access": "full" if rule.filter is None and rule.fields is None else "partial",
            "fields": ["*"] if rule.fields is None else sorted(rule.fields),
        }
        if rule.presets:
            entry["presets"] = rule.presets
        result[action] = entry
    return result


_register("/users", system.USERS_COLLECTION, USER_HOOKS)
_register("/roles", system.ROLES_COLLECTION, ACCESS_HOOKS)
_register("/permissions", system.PERMISSIONS_COLLECTION, ACCESS_HOOKS)
