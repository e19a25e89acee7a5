"""Issuing the tokens of a local login to a user an SSO provider vouched for.

The one place SSO meets the local authentication: `dxgen.runtime.auth.sessions.grant` creates the
refresh-token session for the mode, sets cookies on the response and returns the login `data`.
"""

from __future__ import annotations

from typing import Any

from flask import Response


def grant(user_id: str, mode: str, response: Response | None = None) -> dict[str, Any]:
    """The `data` a local login returns for `mode` (json, cookie or session)."""
    from dxgen.runtime.auth import sessions  # the auth package installs after SSO's import

    return sessions.grant(user_id, mode, response)
