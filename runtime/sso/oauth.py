"""The OAuth 2.0 / OpenID Connect browser flow, through Authlib (client) and joserfc (ID tokens).

Nothing here is hand-rolled: Authlib builds the authorization URL with PKCE (S256), checks
`state` on the way back and exchanges the code with `client_secret_basic`; joserfc verifies the ID
token's signature against the provider's published keys and its claims (issuer, audience,
expiry, issued-at, nonce). Provider failures map to Directus's codes as its openid driver does:
a rejected grant (e.g. a replayed code) is INVALID_TOKEN, a bad response or ID token is
INVALID_CREDENTIALS, an unreachable or misbehaving provider is SERVICE_UNAVAILABLE.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from dxgen.runtime.errors import (
    DirectusError,
    InvalidCredentialsError,
    InvalidTokenError,
    ServiceUnavailableError,
)
from dxgen.runtime.sso.accounts import Identity
from dxgen.runtime.sso.flow import Flow
from dxgen.runtime.sso.providers import BrowserProvider

log = logging.getLogger("dxgen.sso")
PROVIDER_TIMEOUT = 10  # seconds for each call to the provider
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


def _session(provider: BrowserProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def authorization_url(provider: BrowserProvider, flow: Flow, redirect_uri: str) -> str:
    """Where to send the browser: the provider's login with PKCE, `state` and (OpenID) `nonce`."""
    extra = {"nonce": flow.nonce} if provider.is_openid else {}
    with _session(provider, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            provider.authorize_url, state=flow.state, code_verifier=flow.verifier, **extra
        )
    return url


def identify(
    provider: BrowserProvider, flow: Flow, redirect_uri: str, callback_url: str
) -> Identity:
    """Exchange the callback's code and say who signed in. Raises a DirectusError."""
    try:
        # a denial (`?error=…`), a missing code or a foreign `state` stops here, before the
        # provider is asked anything
        granted = parse_authorization_code_response(callback_url, state=flow.state)
        with _session(provider, redirect_uri) as session:
            token = session.fetch_token(
                provider.token_url,
                grant_type="authorization_code",
                code=granted["code"],
                code_verifier=flow.verifier,
                timeout=PROVIDER_TIMEOUT,
            )
            claims = _id_token_claims(provider, token, flow) if provider.is_openid else {}
            profile = _profile(session, provider)
            if claims and profile.get("sub", claims["sub"]) != claims["sub"]:
                raise ValueError("the userinfo is about another subject than the ID token")
    except OAuthError as error:  # the provider answered with an OAuth error
        raise _provider_refusal(provider, error) from None
    except (AuthlibBaseError, JoseError, ValueError) as error:
        log.warning("[%s] rejected the sign-in response: %r", provider.name, error)
        raise InvalidCredentialsError() from None
    except requests.RequestException as error:
        log.warning("[%s] provider unreachable: %r", provider.name, error)
        raise ServiceUnavailableError(provider.driver, "Provider unreachable") from None
    return _identity(provider, {**profile, **claims}, token)


def _provider_refusal(provider: BrowserProvider, error: OAuthError) -> DirectusError:
    """A rejected grant (expired, replayed or foreign code) is the caller's fault; anything else
    the token endpoint says means the provider or our registration with it is broken."""
    log.warning("[%s] provider refused: %s %s", provider.name, error.error, error.description)
    if error.error == "invalid_grant":
        return InvalidTokenError()
    return ServiceUnavailableError(
        provider.driver, f"Service returned unexpected response: {error.error}"
    )


def _id_token_claims(
    provider: BrowserProvider, token: dict[str, Any], flow: Flow
) -> dict[str, Any]:
    """The verified claims of the ID token that came with `token`."""
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise ValueError("the token response has no id_token")
    keys = requests.get(str(provider.jwks_url), timeout=PROVIDER_TIMEOUT)
    keys.raise_for_status()
    decoded = jwt.decode(id_token, KeySet.import_key_set(keys.json()), ID_TOKEN_ALGORITHMS)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": flow.nonce},
    )
    registry.validate(decoded.claims)
    return dict(decoded.claims)


def _profile(session: OAuth2Session, provider: BrowserProvider) -> dict[str, Any]:
    """The userinfo (OpenID) or profile (OAuth 2.0) document, when the provider has one."""
    if not provider.profile_url:
        return {}
    reply = session.get(provider.profile_url, timeout=PROVIDER_TIMEOUT)
    reply.raise_for_status()
    profile = reply.json()
    if not isinstance(profile, dict):
        raise ValueError("the profile is not a JSON object")
    return profile


def _identity(provider: BrowserProvider, info: dict[str, Any], token: dict[str, Any]) -> Identity:
    """The identifier is the `IDENTIFIER_KEY` claim, falling back to the email (as Directus)."""
    email = info.get(provider.email_key)
    identifier = info.get(provider.identifier_key) or email
    if not identifier:
        raise InvalidCredentialsError()
    if provider.require_verified_email and info.get("email_verified") is not True:
        raise InvalidCredentialsError()
    refresh = token.get("refresh_token")
    return Identity(
        external_identifier=str(identifier),
        email=str(email).lower() if email else None,
        first_name=_text(info.get(provider.first_name_key)),
        last_name=_text(info.get(provider.last_name_key)),
        auth_data={"refreshToken": refresh} if refresh else None,
    )


def _text(value: Any) -> str | None:
    return str(value)[:50] if value else None
