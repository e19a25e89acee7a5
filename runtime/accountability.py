"""Who is calling: the identity every permission decision is made for.

Set once per request by authentication (`dxgen.runtime.auth`); anonymous callers get the public
role. Kept framework-free apart from `current()`, so services can be called outside a request
(CLI commands, tests) with an explicit `Accountability`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context


@dataclass(frozen=True)
class Accountability:
    user: str | None = None
    role: str | None = None
    admin: bool = False
    app: bool = False
    ip: str | None = None
    session: str | None = None  # refresh-token id for session-mode JWTs

    @property
    def authenticated(self) -> bool:
        return self.user is not None


PUBLIC = Accountability()
ADMIN = Accountability(admin=True, app=True)  # CLI and internal calls


def current() -> Accountability:
    """The caller of the current request (the public role outside one)."""
    if has_request_context():
        return getattr(g, "accountability", PUBLIC)
    return PUBLIC
