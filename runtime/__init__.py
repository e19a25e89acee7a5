"""dxgen's runtime: what generated apps import. Upgrading dxgen upgrades every app's runtime.

Generated apps call `require(API)` at import: the API number changes only when the runtime stops
accepting code generated for an older one, so an app fails fast instead of misbehaving.
"""

from __future__ import annotations

API = 1


class IncompatibleRuntimeError(RuntimeError):
    """The installed dxgen cannot run code generated for another runtime API."""


def require(api: int) -> None:
    if api != API:
        raise IncompatibleRuntimeError(
            f"this app was generated for dxgen runtime API {api}, but the installed dxgen "
            f"provides API {API}: install a matching dxgen or run `dxgen generate` again"
        )
