"""OpenID Connect and OAuth 2.0 sign-in against a real provider (oidc-provider on 127.0.0.1),
walked over HTTP: the app through the Flask test client, the provider's pages with `requests`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dxgen.runtime import system
from dxgen.runtime.config import ConfigError
from dxgen.runtime.sso.redirects import redirect_allowed
from tests.auth_helpers import anonymous
from tests.conftest import assert_error
from tests.sso.app import EDITORS, PUBLIC_URL, BlogApp, blog_app
from tests.sso.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    running_provider,
    sign_in_at_provider,
    signing_key,
)
from tests.sso.process import free_port

SPA = "http://spa.example/done"
NAMES = ("corp", "relayed", "closed", "cookies", "plain")


def openid_env(name: str, discovery_url: str, **extra: str) -> dict[str, str]:
    prefix = f"AUTH_{name.upper()}_"
    values = {
        "DRIVER": "openid",
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "ISSUER_URL": discovery_url,
        "ALLOW_PUBLIC_REGISTRATION": "true",
        "DEFAULT_ROLE_ID": EDITORS,
        "REDIRECT_ALLOW_LIST": SPA,
        **extra,
    }
    return {prefix + key: value for key, value in values.items()}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    uris = [f"{PUBLIC_URL}/auth/login/{name}/callback" for name in NAMES]
    with running_provider(tmp_path_factory.mktemp("oidc"), uris) as running:
        yield running


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> BlogApp:
    return blog_app(tmp_path_factory.mktemp("sso_oidc"))


@pytest.fixture(scope="module")
def app(provider: OidcProvider, blog: BlogApp) -> Flask:
    document = f"{provider.issuer}/.well-known/openid-configuration"
    return blog.create(
        {
            "AUTH_PROVIDERS": "corp,relayed,closed,cookies,plain,directory",
            **openid_env("corp", document, LABEL="Corporate SSO", ICON="key"),
            **openid_env("relayed", provider.relay_discovery_url),
            **openid_env("closed", document, ALLOW_PUBLIC_REGISTRATION="false"),
            **openid_env("cookies", document, MODE="cookie"),
            "AUTH_PLAIN_DRIVER": "oauth2",
            "AUTH_PLAIN_CLIENT_ID": CLIENT_ID,
            "AUTH_PLAIN_CLIENT_SECRET": CLIENT_SECRET,
            "AUTH_PLAIN_AUTHORIZE_URL": f"{provider.issuer}/auth",
            "AUTH_PLAIN_ACCESS_URL": f"{provider.issuer}/token",
            "AUTH_PLAIN_PROFILE_URL": f"{provider.issuer}/me",
            "AUTH_PLAIN_SCOPE": "openid email profile",
            "AUTH_PLAIN_ALLOW_PUBLIC_REGISTRATION": "true",
            "AUTH_DIRECTORY_DRIVER": "ldap",
            "AUTH_DIRECTORY_CLIENT_URL": "ldap://127.0.0.1:9",
            "AUTH_DIRECTORY_BIND_DN": "cn=x",
            "AUTH_DIRECTORY_BIND_PASSWORD": "x",
            "AUTH_DIRECTORY_USER_DN": "ou=people",
            # configured but not enabled: a disabled provider
            **openid_env("off", document),
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return anonymous(app)


def account() -> str:
    return f"user{uuid.uuid4().hex[:10]}"


def start(client: FlaskClient, name: str, redirect: str | None = None) -> str:
    """The app's 302 to the provider's authorization endpoint."""
    reply = client.get(
        f"/auth/login/{name}", query_string={"redirect": redirect} if redirect else {}
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return reply.headers["Location"]


def provider_callback(client: FlaskClient, name: str, who: str, redirect: str | None = None) -> str:
    """Starts a sign-in and walks the provider's pages; the callback URL it sends us to."""
    prefix = f"{PUBLIC_URL}/auth/login/{name}/callback"
    return sign_in_at_provider(start(client, name, redirect), who, prefix)


def reason(reply: Any) -> str | None:
    assert reply.status_code == 302, reply.get_data(as_text=True)
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == SPA
    return parse_qs(location.query).get("reason", [None])[0]


def test_auth_lists_enabled_providers(client: FlaskClient) -> None:
    body = client.get("/auth").get_json()
    assert body["disableDefault"] is False
    assert [p["name"] for p in body["data"]] == [
        "corp",
        "relayed",
        "closed",
        "cookies",
        "plain",
        "directory",
    ]
    assert body["data"][0] == {
        "name": "corp",
        "driver": "openid",
        "icon": "key",
        "label": "Corporate SSO",
    }
    assert body["data"][4]["driver"] == "oauth2"
    assert body["data"][5]["driver"] == "ldap"


def test_login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    client: FlaskClient, provider: OidcProvider
) -> None:
    reply = client.get("/auth/login/corp", query_string={"redirect": SPA})
    location = urlsplit(reply.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{PUBLIC_URL}/auth/login/corp/callback"
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith("openid.corp=") and "HttpOnly" in cookie and "Max-Age=300" in cookie
    assert query["code_challenge"] not in cookie  # the verifier is signed, never the challenge


def test_sign_in_registers_the_user_in_the_default_role_and_sets_the_session_cookie(
    client: FlaskClient, blog: BlogApp
) -> None:
    who = account()
    reply = client.get(provider_callback(client, "corp", who, SPA))
    assert reply.status_code == 302
    assert reply.headers["Location"] == SPA
    cookies = reply.headers.getlist("Set-Cookie")
    assert any(c.startswith("directus_session_token=") for c in cookies)
    user = blog.user(external_identifier=who)
    assert user is not None
    assert (user["provider"], user["email"], user["role"]) == (
        "corp",
        f"{who}@example.com",
        EDITORS,
    )
    assert user["first_name"] == who.capitalize() and user["last_name"] == "Tester"
    me = client.get("/users/me")  # the session cookie authenticates
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.get_json()["data"]["id"] == user["id"]


def test_without_a_redirect_the_callback_answers_tokens_that_work_on_items(
    client: FlaskClient, app: Flask
) -> None:
    reply = client.get(provider_callback(client, "corp", account()))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    data = reply.get_json()["data"]
    assert set(data) == {"expires", "access_token", "refresh_token"}
    other = anonymous(app)
    assert other.get("/items/articles").status_code == 403
    bearer = {"Authorization": f"Bearer {data['access_token']}"}
    articles = other.get("/items/articles", headers=bearer)
    assert articles.status_code == 200, articles.get_data(as_text=True)
    assert articles.get_json()["data"]
    refreshed = other.post("/auth/refresh", json={"refresh_token": data["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)


def test_cookie_mode_sets_the_refresh_cookie(client: FlaskClient) -> None:
    reply = client.get(provider_callback(client, "cookies", account(), SPA))
    assert reply.headers["Location"] == SPA
    cookies = reply.headers.getlist("Set-Cookie")
    assert any(c.startswith("directus_refresh_token=") for c in cookies)
    assert not any(c.startswith("directus_session_token=") for c in cookies)
    refreshed = client.post("/auth/refresh")  # cookie mode by default without a body token
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    assert refreshed.get_json()["data"]["access_token"]


def test_a_second_sign_in_links_the_same_user(client: FlaskClient, blog: BlogApp) -> None:
    who = account()
    client.get(provider_callback(client, "corp", who, SPA))
    first = blog.user(external_identifier=who)
    blog.execute(  # matched case-insensitively, as Directus does
        sa.update(system.users)
        .where(system.users.c.id == first["id"])
        .values(external_identifier=who.upper())
    )
    assert reason(client.get(provider_callback(client, "corp", who, SPA))) is None
    engine = blog.engine()
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).where(system.users.c.email == f"{who}@example.com")
        ).scalar()
    engine.dispose()
    assert count == 1


def test_the_oauth2_driver_identifies_users_by_email(client: FlaskClient, blog: BlogApp) -> None:
    who = account()
    reply = client.get(provider_callback(client, "plain", who))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    user = blog.user(external_identifier=f"{who}@example.com")
    assert user is not None and user["provider"] == "plain" and user["role"] is None


def test_closed_registration_refuses_unknown_users(client: FlaskClient, blog: BlogApp) -> None:
    who = account()
    assert reason(client.get(provider_callback(client, "closed", who, SPA))) == (
        "INVALID_CREDENTIALS"
    )
    assert blog.user(external_identifier=who) is None


def test_wrong_state_is_refused(client: FlaskClient, blog: BlogApp) -> None:
    who = account()
    url = provider_callback(client, "corp", who, SPA)
    forged = url.replace("state=", "state=x")
    assert reason(client.get(forged)) == "INVALID_CREDENTIALS"
    assert blog.user(external_identifier=who) is None
    url = provider_callback(client, "corp", who)
    assert_error(client.get(url.replace("state=", "state=x")), 401, "INVALID_CREDENTIALS")


def test_a_denied_consent_redirects_with_a_reason(client: FlaskClient) -> None:
    authorize = start(client, "corp", SPA)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    callback = f"/auth/login/corp/callback?error=access_denied&state={state}"
    assert reason(client.get(callback)) == "INVALID_CREDENTIALS"


def test_a_callback_without_the_flow_cookie_is_refused(app: Flask, client: FlaskClient) -> None:
    url = provider_callback(client, "corp", account(), SPA)
    assert_error(anonymous(app).get(url), 401, "INVALID_CREDENTIALS")


def test_a_replayed_code_is_refused_by_the_provider(client: FlaskClient) -> None:
    client.get("/auth/login/corp", query_string={"redirect": SPA})
    flow_cookie = client.get_cookie("openid.corp")
    assert flow_cookie is not None
    url = provider_callback(client, "corp", account(), SPA)
    flow_cookie = client.get_cookie("openid.corp")
    assert reason(client.get(url)) is None
    assert client.get_cookie("openid.corp") is None  # the callback clears the flow cookie
    client.set_cookie("openid.corp", flow_cookie.value)  # an attacker replays both
    assert reason(client.get(url)) == "INVALID_TOKEN"


def _expired(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    now = int(time.time())
    return {**claims, "iat": now - 7200, "exp": now - 3600}, None


def _wrong_audience(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    return {**claims, "aud": "another-client"}, None


def _wrong_nonce(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    return {**claims, "nonce": "replayed-nonce"}, None


def _wrong_issuer(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    return {**claims, "iss": "http://127.0.0.1:1"}, None


def _other_subject(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    return {**claims, "sub": "someone-else"}, None  # the userinfo still names the real user


def _stranger_signed(claims: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    return claims, signing_key("provider-key")  # same key id, another key


def _untouched(claims: dict[str, Any]) -> tuple[dict[str, Any], None]:
    return claims, None


@pytest.mark.parametrize(
    "spoil",
    [_expired, _wrong_audience, _wrong_nonce, _wrong_issuer, _other_subject, _stranger_signed],
    ids=["expired", "wrong-audience", "wrong-nonce", "wrong-issuer", "other-subject", "forged"],
)
def test_a_bad_id_token_is_refused(
    spoil: Any, client: FlaskClient, provider: OidcProvider, blog: BlogApp
) -> None:
    who = account()
    provider.spoil = spoil
    try:
        reply = client.get(provider_callback(client, "relayed", who, SPA))
    finally:
        provider.spoil = None
    assert reason(reply) == "INVALID_CREDENTIALS"
    assert not any(c.startswith("directus_") for c in reply.headers.getlist("Set-Cookie"))
    assert blog.user(external_identifier=who) is None


def test_the_relay_itself_passes_a_good_id_token(
    client: FlaskClient, provider: OidcProvider, blog: BlogApp
) -> None:
    """The control case for the test above: re-signed unchanged, the token is accepted."""
    who = account()
    provider.spoil = _untouched
    try:
        assert reason(client.get(provider_callback(client, "relayed", who, SPA))) is None
    finally:
        provider.spoil = None
    assert blog.user(external_identifier=who) is not None


def test_an_email_taken_by_a_local_user_is_another_provider(
    client: FlaskClient, blog: BlogApp
) -> None:
    who = account()
    blog.execute(sa.insert(system.users).values(id=system.new_id(), email=f"{who}@example.com"))
    assert reason(client.get(provider_callback(client, "corp", who, SPA))) == "INVALID_PROVIDER"


def test_a_suspended_user_is_told_so(app: Flask, blog: BlogApp) -> None:
    who = account()
    first = anonymous(app)
    first.get(provider_callback(first, "corp", who, SPA))
    blog.execute(
        sa.update(system.users)
        .where(system.users.c.external_identifier == who)
        .values(status="suspended")
    )
    again = anonymous(app)  # a new browser: the old session cookie is refused anyway
    assert reason(again.get(provider_callback(again, "corp", who, SPA))) == "USER_SUSPENDED"


@pytest.mark.parametrize(
    "target",
    ["http://evil.example/done", "//evil.example/done", "javascript:alert(1)", "ftp://localhost/"],
)
def test_a_redirect_outside_the_allow_list_is_refused_before_leaving(
    client: FlaskClient, target: str
) -> None:
    reply = client.get("/auth/login/corp", query_string={"redirect": target})
    assert_error(reply, 400, "INVALID_PAYLOAD")
    assert "Set-Cookie" not in reply.headers


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("/admin/content", True),
        ("//evil.example", False),
        ("/\\evil.example", False),
        (SPA, True),
        (SPA + "?tab=1", True),
        ("http://spa.example/other", False),
        ("https://spa.example/done", False),
        ("http://localhost/anything", True),
        ("http://localhost:8080/anything", False),
        ("http://evil.example/done", False),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
    ],
)
def test_redirect_allow_list(target: str, allowed: bool) -> None:
    assert redirect_allowed(target, (SPA,), PUBLIC_URL) is allowed


@pytest.mark.parametrize(
    "path",
    [
        "/auth/login/off",  # configured, but not in AUTH_PROVIDERS
        "/auth/login/nobody",
        "/auth/login/directory",  # LDAP has no browser flow
        "/auth/login/off/callback",
    ],
)
def test_disabled_unknown_and_wrong_driver_providers_have_no_route(
    client: FlaskClient, path: str
) -> None:
    assert_error(client.get(path), 404, "ROUTE_NOT_FOUND")


def test_post_to_a_browser_provider_has_no_route(client: FlaskClient) -> None:
    reply = client.post("/auth/login/corp", json={"identifier": "a", "password": "b"})
    assert_error(reply, 404, "ROUTE_NOT_FOUND")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AUTH_BAD_DRIVER": "saml"}, "AUTH_BAD_DRIVER"),
        ({"AUTH_BAD_DRIVER": "openid"}, "AUTH_BAD_CLIENT_ID"),
        ({"AUTH_BAD_DRIVER": "openid", "AUTH_BAD_CLIENT_ID": "x"}, "AUTH_BAD_CLIENT_SECRET"),
        ({"AUTH_BAD_DRIVER": "oauth2", "AUTH_BAD_CLIENT_ID": "x"}, "AUTH_BAD_CLIENT_SECRET"),
        (
            {"AUTH_BAD_DRIVER": "ldap", "AUTH_BAD_CLIENT_URL": "http://x", "AUTH_BAD_BIND_DN": "x"},
            "AUTH_BAD_CLIENT_URL",
        ),
    ],
)
def test_bad_provider_config_stops_start_up(blog: BlogApp, env: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        blog.create({"AUTH_PROVIDERS": "bad", **env})


def test_an_unreadable_discovery_document_stops_start_up(blog: BlogApp) -> None:
    url = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    with pytest.raises(ConfigError, match="AUTH_GONE_ISSUER_URL"):
        blog.create({"AUTH_PROVIDERS": "gone", **openid_env("gone", url)})


def test_bad_mode_stops_start_up(blog: BlogApp, provider: OidcProvider) -> None:
    with pytest.raises(ConfigError, match="AUTH_ODD_MODE"):
        blog.create(
            {"AUTH_PROVIDERS": "odd", **openid_env("odd", provider.discovery_url, MODE="x")}
        )


def test_browser_providers_need_an_absolute_public_url(
    blog: BlogApp, provider: OidcProvider
) -> None:
    env = {"AUTH_PROVIDERS": "corp", **openid_env("corp", provider.discovery_url)}
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        blog.create({**env, "PUBLIC_URL": "/"})
