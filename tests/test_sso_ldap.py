"""LDAP sign-in against a real slapd on 127.0.0.1, seeded with people, a service account and
groups (tests/sso/slapd.py), over HTTP through the Flask test client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import ldap3
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dxgen.runtime import system
from tests.auth_helpers import anonymous
from tests.conftest import assert_error
from tests.sso.app import EDITORS, READERS, BlogApp, blog_app
from tests.sso.process import free_port
from tests.sso.slapd import (
    GROUPS,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    USERS,
    Directory,
    running_slapd,
)


def ldap_env(name: str, url: str, **extra: str) -> dict[str, str]:
    values = {
        "DRIVER": "ldap",
        "CLIENT_URL": url,
        "BIND_DN": SERVICE_DN,
        "BIND_PASSWORD": SERVICE_PASSWORD,
        "USER_DN": PEOPLE,
        "USER_ATTRIBUTE": "uid",
        "GROUP_DN": GROUPS,
        "DEFAULT_ROLE_ID": READERS,
        **extra,
    }
    return {f"AUTH_{name.upper()}_{key}": value for key, value in values.items()}


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with running_slapd(tmp_path_factory.mktemp("slapd")) as running:
        yield running


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> BlogApp:
    return blog_app(tmp_path_factory.mktemp("sso_ldap"))


@pytest.fixture(scope="module")
def app(directory: Directory, blog: BlogApp) -> Flask:
    down = f"ldap://127.0.0.1:{free_port()}"
    return blog.create(
        {
            "AUTH_PROVIDERS": "corp,down,wrongbind",
            **ldap_env("corp", directory.url),
            **ldap_env("down", down),
            **ldap_env("wrongbind", directory.url, BIND_PASSWORD="not-the-password"),
            **ldap_env("off", directory.url),  # configured, not enabled
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return anonymous(app)


def login(client: FlaskClient, identifier: str, password: str, **extra: str) -> object:
    body = {"identifier": identifier, "password": password, **extra}
    return client.post("/auth/login/corp", json=body)


def test_sign_in_creates_the_user_in_the_group_role_with_working_tokens(
    client: FlaskClient, app: Flask, blog: BlogApp, directory: Directory
) -> None:
    reply = login(client, "alice", "alice-pw")
    assert reply.status_code == 200, reply.get_data(as_text=True)
    data = reply.get_json()["data"]
    assert set(data) == {"expires", "access_token", "refresh_token"}
    user = blog.user(external_identifier=directory.user_dn("alice"))
    assert user is not None
    assert (user["provider"], user["email"], user["role"]) == (
        "corp",
        "alice@corp.example",
        EDITORS,
    )
    assert (user["first_name"], user["last_name"]) == ("Alice", "Tester")
    bearer = {"Authorization": f"Bearer {data['access_token']}"}
    other = anonymous(app)
    assert other.get("/items/articles").status_code == 403
    articles = other.get("/items/articles", headers=bearer)
    assert articles.status_code == 200, articles.get_data(as_text=True)
    me = other.get("/users/me", headers=bearer)
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.get_json()["data"]["id"] == user["id"]


def test_a_user_in_no_mapped_group_gets_the_default_role(
    client: FlaskClient, blog: BlogApp, directory: Directory
) -> None:
    assert login(client, "bob", "bob-pw").status_code == 200
    assert blog.user(external_identifier=directory.user_dn("bob"))["role"] == READERS


def test_the_role_follows_the_groups_at_every_sign_in(
    client: FlaskClient, blog: BlogApp, directory: Directory
) -> None:
    dn = directory.user_dn("starXuser")
    admin = directory.admin()
    editors = directory.group_dn("Editors")
    assert login(client, "starXuser", "starx-pw").status_code == 200
    assert blog.user(external_identifier=dn)["role"] == READERS
    admin.modify(editors, {"member": [(ldap3.MODIFY_ADD, [dn])]})
    try:
        assert login(client, "starXuser", "starx-pw").status_code == 200
        assert blog.user(external_identifier=dn)["role"] == EDITORS
    finally:
        admin.modify(editors, {"member": [(ldap3.MODIFY_DELETE, [dn])]})
        admin.unbind()
    assert login(client, "starXuser", "starx-pw").status_code == 200
    assert blog.user(external_identifier=dn)["role"] == READERS


def test_session_mode_sets_the_session_cookie(client: FlaskClient) -> None:
    reply = login(client, "alice", "alice-pw", mode="session")
    assert reply.status_code == 200
    assert set(reply.get_json()["data"]) == {"expires"}
    cookies = reply.headers.getlist("Set-Cookie")
    assert any(c.startswith("directus_session_token=") for c in cookies)
    assert client.get("/users/me").status_code == 200


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("alice", "wrong"),
        ("nobody", "alice-pw"),
        ("ALICE ", "wrong"),
    ],
)
def test_wrong_credentials_are_refused(client: FlaskClient, identifier: str, password: str) -> None:
    assert_error(
        login(client, identifier, password), 401, "INVALID_CREDENTIALS", "Invalid user credentials."
    )


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("*", "alice-pw"),
        ("ali*", "alice-pw"),  # unescaped, this would match alice alone and sign her in
        ("alice)(uid=*", "alice-pw"),
        ("*)(|(uid=*", "alice-pw"),
        ("alice\\2a", "alice-pw"),
        ("star*user", "starx-pw"),  # the wildcard would reach starXuser
    ],
)
def test_ldap_injection_in_the_identifier_matches_nothing(
    client: FlaskClient, identifier: str, password: str
) -> None:
    assert_error(login(client, identifier, password), 401, "INVALID_CREDENTIALS")


def test_an_identifier_with_filter_characters_is_matched_literally(
    client: FlaskClient, blog: BlogApp, directory: Directory
) -> None:
    reply = login(client, "star*user", USERS["star*user"][0])
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert blog.user(external_identifier=directory.user_dn("star*user")) is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"identifier": "alice", "password": ""}, '"password" is not allowed to be empty'),
        ({"identifier": "alice"}, '"password" is required'),
        ({"password": "x"}, '"identifier" is required'),
        ({"identifier": "alice", "password": 5}, '"password" must be a string'),
        ({"identifier": "alice", "password": "x", "mode": "x"}, '"mode" must be one of'),
        ({"identifier": "alice", "password": "x", "role": "admin"}, '"role" is not allowed'),
    ],
)
def test_bad_payloads_are_refused(client: FlaskClient, body: dict, message: str) -> None:
    reply = client.post("/auth/login/corp", json=body)
    assert_error(reply, 400, "INVALID_PAYLOAD")
    assert message in reply.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("name", ["down", "wrongbind"])
def test_an_unavailable_directory_is_503(client: FlaskClient, name: str) -> None:
    reply = client.post(f"/auth/login/{name}", json={"identifier": "alice", "password": "x"})
    assert_error(reply, 503, "SERVICE_UNAVAILABLE")


@pytest.mark.parametrize("name", ["off", "nobody"])
def test_disabled_and_unknown_providers_have_no_route(client: FlaskClient, name: str) -> None:
    reply = client.post(f"/auth/login/{name}", json={"identifier": "alice", "password": "alice-pw"})
    assert_error(reply, 404, "ROUTE_NOT_FOUND")


def test_a_suspended_user_is_told_so(app: Flask, blog: BlogApp) -> None:
    assert login(anonymous(app), "bob", "bob-pw").status_code == 200
    bob = system.users.c.email == "bob@corp.example"
    blog.execute(sa.update(system.users).where(bob).values(status="suspended"))
    try:
        assert_error(login(anonymous(app), "bob", "bob-pw"), 401, "USER_SUSPENDED")
    finally:
        blog.execute(sa.update(system.users).where(bob).values(status="active"))


def test_an_account_of_another_provider_is_refused(app: Flask, blog: BlogApp) -> None:
    """A local user already holds the directory user's email: not merged, INVALID_PROVIDER."""
    blog.execute(sa.insert(system.users).values(id=system.new_id(), email="dora@corp.example"))
    reply = login(anonymous(app), "dora", "dora-pw")
    assert_error(reply, 403, "INVALID_PROVIDER", "Invalid provider.")


def test_logins_are_stalled_success_and_failure_alike(directory: Directory, blog: BlogApp) -> None:
    app = blog.create(
        {"AUTH_PROVIDERS": "corp", **ldap_env("corp", directory.url), "LOGIN_STALL_TIME": "400"}
    )
    client = anonymous(app)
    for password, status in (("alice-pw", 200), ("wrong", 401)):
        started = time.monotonic()
        assert login(client, "alice", password).status_code == status
        assert time.monotonic() - started >= 0.4


def test_auth_says_when_the_default_login_is_disabled(directory: Directory, blog: BlogApp) -> None:
    env = {"AUTH_PROVIDERS": "corp", "AUTH_DISABLE_DEFAULT": "true"}
    app = blog.create({**env, **ldap_env("corp", directory.url)})
    client = anonymous(app)
    listing = client.get("/auth").get_json()
    assert listing == {
        "data": [{"name": "corp", "driver": "ldap"}],
        "disableDefault": True,
    }
    assert login(client, "alice", "alice-pw").status_code == 200
