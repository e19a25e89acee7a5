"""Hook points a user-owned hooks module may define, and a safe way to call them.

A generated collection module wraps its `app/hooks/<name>.py` in `Hooks`. Any function the module
lacks is a no-op, so a hooks file written for an older dxgen keeps working when new hooks appear.
Every hook receives a `HookContext` (collection, accountability, the request's query) last.

    def before_create(payload: dict, context) -> dict          # change or check what is written
    def after_create(keys: list, context) -> None
    def before_update(payload: dict, keys: list, context) -> dict
    def after_update(keys: list, context) -> None
    def before_delete(keys: list, context) -> None              # raise to refuse
    def after_delete(keys: list, context) -> None
    def before_read(query: Query, context) -> Query             # rewrite the query
    def after_read(items: list[dict], context) -> list[dict]    # transform what is returned
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

HOOK_NAMES = (
    "before_read",
    "after_read",
    "before_create",
    "after_create",
    "before_update",
    "after_update",
    "before_delete",
    "after_delete",
)


@dataclass(frozen=True)
class HookContext:
    collection: str
    user: str | None = None
    role: str | None = None


class Hooks:
    """The hook functions of one collection; missing ones pass their first argument through."""

    def __init__(self, module: ModuleType | None = None) -> None:
        self._functions = {
            name: getattr(module, name)
            for name in HOOK_NAMES
            if callable(getattr(module, name, None))
        }

    def __contains__(self, name: str) -> bool:
        return name in self._functions

    def filter(self, name: str, value: Any, *args: Any) -> Any:
        """Call a transforming hook (`before_*`, `after_read`); None from it keeps the value."""
        function = self._functions.get(name)
        if function is None:
            return value
        result = function(value, *args)
        return value if result is None else result

    def notify(self, name: str, *args: Any) -> None:
        function = self._functions.get(name)
        if function is not None:
            function(*args)


NO_HOOKS = Hooks()
