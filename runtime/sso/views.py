"""The SSO routes: `GET /auth`, the browser flow of OAuth 2.0 / OpenID providers and the LDAP
login. Thin: each view parses the request, calls the driver and the account linking, and answers.

Routes exist only for enabled providers, as in Directus: any other name under `/auth/login/` is
404 ROUTE_NOT_FOUND, and so is the wrong method for a provider's driver.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, redirect, request

from dxgen.runtime.auth.stall import stalled
from dxgen.runtime.errors import DirectusError, InvalidCredentialsError, RouteNotFoundError
from dxgen.runtime.sso import flow as flows
from dxgen.runtime.sso.accounts import Registration, role_named, sign_in
from dxgen.runtime.sso.payload import ldap_login
from dxgen.runtime.sso.providers import BrowserProvider, LdapProvider, Provider, load_providers
from dxgen.runtime.sso.redirects import check_redirect, with_reason
from dxgen.runtime.sso.tokens import grant
from dxgen.runtime.web import json_response, runtime

blueprint = Blueprint("dxgen_sso", __name__)
EXTENSION = "dxgen.sso"


def install(app: Flask) -> None:
    """Reads and checks the providers (a bad one stops start-up) and adds the routes."""
    app.extensions[EXTENSION] = load_providers(app.extensions["dxgen"].settings)
    app.register_blueprint(blueprint)


def _providers() -> dict[str, Provider]:
    return current_app.extensions[EXTENSION]


def _provider(name: str, kind: type[Provider]) -> Any:
    provider = _providers().get(name)
    if not isinstance(provider, kind):
        raise RouteNotFoundError(request.path)
    return provider


@blueprint.get("/auth")
def list_providers() -> Response:
    """The enabled providers and whether the email/password login is off."""
    return json_response(
        {
            "data": [provider.listing() for provider in _providers().values()],
            "disableDefault": runtime().settings.auth_disable_default,
        }
    )


def _callback_uri(provider: Provider) -> str:
    return f"{runtime().settings.public_url.rstrip('/')}/auth/login/{provider.name}/callback"


@blueprint.get("/auth/login/<name>")
def start_browser_login(name: str) -> Response:
    """302 to the provider. Raises 400 INVALID_PAYLOAD for a redirect outside the allow-list."""
    provider: BrowserProvider = _provider(name, BrowserProvider)
    settings = runtime().settings
    target = request.args.get("redirect") or None
    check_redirect(target, provider.redirect_allow_list, settings.public_url)
    flow = flows.Flow.start(provider.name, target)
    from dxgen.runtime.sso import oauth  # Authlib and requests load only when SSO is used

    response = redirect(oauth.authorization_url(provider, flow, _callback_uri(provider)))
    cookie = flows.cookie_name(provider.name, provider.driver)
    flows.store(response, flow, cookie, settings.secret, settings.session_cookie_secure)
    return response


@blueprint.get("/auth/login/<name>/callback")
def finish_browser_login(name: str) -> Response:
    """Signs the user in and redirects (cookie per MODE) or, without a redirect, answers the
    tokens. Failures redirect with `?reason=<CODE>` when a redirect was requested."""
    provider: BrowserProvider = _provider(name, BrowserProvider)
    cookie = flows.cookie_name(provider.name, provider.driver)
    flow = flows.load(request.cookies.get(cookie), provider.name, runtime().settings.secret)
    if flow is None:
        raise InvalidCredentialsError()
    try:
        from dxgen.runtime.sso import oauth

        identity = oauth.identify(provider, flow, _callback_uri(provider), request.url)
        registration = Registration(
            provider.name, provider.allow_public_registration, provider.default_role
        )
        user_id = sign_in(runtime().engine, identity, registration)
        if flow.redirect is None:
            response = _tokens(user_id, "json")
        else:
            response = redirect(flow.redirect)
            grant(user_id, provider.mode, response)
    except DirectusError as error:
        if flow.redirect is None:
            raise
        response = redirect(with_reason(flow.redirect, error.code))
    response.delete_cookie(cookie)
    return response


@blueprint.post("/auth/login/<name>")
def ldap_sign_in(name: str) -> Response:
    """`{identifier, password, mode?}` → the local login's answer. Raises 400 INVALID_PAYLOAD,
    401 INVALID_CREDENTIALS / USER_SUSPENDED, 403 INVALID_PROVIDER, 503 SERVICE_UNAVAILABLE."""
    provider: LdapProvider = _provider(name, LdapProvider)
    login = ldap_login(request.get_json(silent=True))
    with stalled():
        from dxgen.runtime.sso import ldap  # ldap3 loads only when an LDAP login comes in

        account = ldap.authenticate(provider, login.identifier, login.password)
        role = role_named(runtime().engine, account.groups) or provider.default_role
        registration = Registration(provider.name, True, role, refresh_role=True)
        user_id = sign_in(runtime().engine, account.identity, registration)
    return _tokens(user_id, login.mode)


def _tokens(user_id: str, mode: str) -> Response:
    """The local login's answer for `mode`: `{"data": …}` plus the cookie the mode sets."""
    response = json_response(None)
    response.set_data(orjson.dumps({"data": grant(user_id, mode, response)}))
    return response
