"""Authentication: tokens, sessions, passwords, the `/auth` routes and the system collections
(`/users`, `/roles`, `/permissions`)."""

from __future__ import annotations

from flask import Flask


def install(app: Flask) -> None:
    """Authenticate every request (after CORS and rate limiting), then the auth routes."""
    from dxgen.runtime.auth import authenticate, routes, system_routes

    app.before_request(authenticate.authenticate)
    app.register_blueprint(routes.blueprint)
    app.register_blueprint(system_routes.blueprint)
