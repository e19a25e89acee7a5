"""Authentication against the generated example app on every backend (contract §3)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask import Flask

from dxgen.runtime import system
from tests.auth_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, anonymous, create_user
from tests.conftest import Blog, assert_error

SECRET = "dxgen-test-secret-0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def app(blog: Blog) -> Iterator[Flask]:
    app = blog.variant(LOGIN_STALL_TIME=0, AUTH_LOGIN_ATTEMPTS=3)
    yield app
    app.extensions["dxgen"].engine.dispose()


def login(app: Flask, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, **extra: Any):
    return anonymous(app).post("/auth/login", json={"email": email, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_json_mode_gives_directus_tokens(app: Flask) -> None:
    response = login(app)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert list(data) == ["expires", "refresh_token", "access_token"]
    assert data["expires"] == 900000
    assert len(data["refresh_token"]) == 64
    header = jwt.get_unverified_header(data["access_token"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(data["access_token"], SECRET, algorithms=["HS256"], issuer="directus")
    assert set(claims) == {"id", "role", "app_access", "admin_access", "iat", "exp", "iss"}
    assert claims["admin_access"] is True and claims["exp"] - claims["iat"] == 900
    me = anonymous(app).get("/users/me", headers=bearer(data["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["data"]["email"] == ADMIN_EMAIL
    assert me.get_json()["data"]["password"] == "**********"


def test_login_cookie_and_session_modes(app: Flask) -> None:
    client = anonymous(app)
    response = client.post(
        "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "cookie"}
    )
    assert list(response.get_json()["data"]) == ["expires", "access_token"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("directus_refresh_token=")
    assert "HttpOnly" in cookie and "Max-Age=604800" in cookie and "SameSite=Lax" in cookie
    refreshed = client.post("/auth/refresh", json={})  # cookie mode by default, from the cookie
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    assert "directus_refresh_token=" in refreshed.headers["Set-Cookie"]

    session = anonymous(app)
    response = session.post(
        "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "session"}
    )
    assert response.get_json() == {"data": {"expires": 86400000}}
    assert response.headers["Set-Cookie"].startswith("directus_session_token=")
    assert session.get("/users/me").get_json()["data"]["email"] == ADMIN_EMAIL
    assert session.post("/auth/logout", json={"mode": "session"}).status_code == 204
    assert_error(session.get("/users/me"), 401, "INVALID_CREDENTIALS")


def test_refresh_rotates_and_a_reused_token_is_refused(app: Flask) -> None:
    first = login(app).get_json()["data"]["refresh_token"]
    client = anonymous(app)
    second = client.post("/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200
    rotated = second.get_json()["data"]["refresh_token"]
    assert rotated != first
    assert_error(
        client.post("/auth/refresh", json={"refresh_token": first}), 401, "INVALID_CREDENTIALS"
    )
    assert client.post("/auth/logout", json={"refresh_token": rotated}).status_code == 204
    assert_error(
        client.post("/auth/refresh", json={"refresh_token": rotated}), 401, "INVALID_CREDENTIALS"
    )
    assert client.post("/auth/logout", json={"refresh_token": "unknown"}).status_code == 204
    assert_error(
        client.post("/auth/refresh", json={}),
        400,
        "INVALID_PAYLOAD",
        "Invalid payload. The refresh token is required in either the payload or cookie.",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"password": "x"}, 'Invalid payload. "email" is required.'),
        ({"email": "nope", "password": "x"}, 'Invalid payload. "email" must be a valid email.'),
        ({"email": "a@b.co"}, 'Invalid payload. "password" is required.'),
        (
            {"email": "a@b.co", "password": "x", "mode": "jwt"},
            'Invalid payload. "mode" must be one of [json, cookie, session].',
        ),
    ],
)
def test_login_payload_errors(app: Flask, body: dict, message: str) -> None:
    assert_error(anonymous(app).post("/auth/login", json=body), 400, "INVALID_PAYLOAD", message)


def test_wrong_password_and_unknown_email_look_the_same(app: Flask) -> None:
    wrong = login(app, password="wrong")
    unknown = login(app, email="nobody@example.com")
    for response in (wrong, unknown):
        assert_error(response, 401, "INVALID_CREDENTIALS", "Invalid user credentials.")


def test_account_is_suspended_after_consecutive_failures(app: Flask) -> None:
    email = f"victim-{time.monotonic_ns()}@example.com"
    create_user(app, email, "right-password")
    assert login(app, email, "right-password").status_code == 200
    for _ in range(3):
        assert_error(login(app, email, "wrong"), 401, "INVALID_CREDENTIALS")
    assert_error(login(app, email, "right-password"), 401, "USER_SUSPENDED", "User suspended.")


def test_login_is_padded_to_the_stall_time(blog: Blog) -> None:
    app = blog.variant(LOGIN_STALL_TIME=300)
    try:
        for password in (ADMIN_PASSWORD, "wrong"):
            start = time.monotonic()
            login(app, password=password)
            assert time.monotonic() - start >= 0.3
    finally:
        app.extensions["dxgen"].engine.dispose()


def _forge(claims: dict, key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def _claims(**changes: Any) -> dict:
    now = int(time.time())
    base = {"id": "x", "role": None, "app_access": True, "admin_access": True}
    return {**base, "iat": now, "exp": now + 60, "iss": "directus", **changes}


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_jwt_attacks(app: Flask) -> None:
    real = login(app).get_json()["data"]["access_token"]
    claims = jwt.decode(real, SECRET, algorithms=["HS256"], issuer="directus")
    client = anonymous(app)
    header, _, signature = real.split(".")
    tampered_claims = {**claims, "admin_access": True, "role": None}
    tampered_payload = (
        base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=").decode()
    )
    cases = {
        "alg none": (_unsigned(claims), 403, "INVALID_TOKEN"),
        "wrong key": (_forge(claims, "another-secret-another-secret-1234"), 403, "INVALID_TOKEN"),
        "expired": (
            _forge(_claims(id=claims["id"], exp=int(time.time()) - 5)),
            401,
            "TOKEN_EXPIRED",
        ),
        "tampered": (f"{header}.{tampered_payload}.{signature}", 403, "INVALID_TOKEN"),
        "missing claims": (
            _forge({"id": claims["id"], "iss": "directus", "iat": 1, "exp": 2**40}),
            403,
            "INVALID_TOKEN",
        ),
    }
    for name, (token, status, code) in cases.items():
        response = client.get("/items/articles?limit=1", headers=bearer(token))
        assert response.status_code == status, (name, response.get_data(as_text=True))
        assert response.get_json()["errors"][0]["extensions"]["code"] == code, name


def test_token_from_query_header_or_both(app: Flask) -> None:
    token = login(app).get_json()["data"]["access_token"]
    client = anonymous(app)
    assert client.get(f"/items/articles?limit=1&access_token={token}").status_code == 200
    assert (
        client.get(
            "/items/articles?limit=1", headers={"Authorization": f"bearer {token}"}
        ).status_code
        == 200
    )
    assert_error(
        client.get(f"/items/articles?access_token={token}", headers=bearer(token)),
        400,
        "INVALID_PAYLOAD",
        "Invalid payload. The request uses more than one method for including an access token.",
    )


def test_static_tokens(app: Flask) -> None:
    client = anonymous(app)
    assert client.get("/items/articles?limit=1", headers=bearer(ADMIN_TOKEN)).status_code == 200
    assert_error(
        client.get("/items/articles", headers=bearer("not-a-token")), 401, "INVALID_CREDENTIALS"
    )
    assert client.get("/server/ping", headers=bearer("not-a-token")).status_code == 200
    with app.extensions["dxgen"].engine.connect() as conn:
        stored = conn.execute(
            sa.select(system.users.c.token).where(system.users.c.email == ADMIN_EMAIL)
        ).scalar_one()
    assert stored != ADMIN_TOKEN  # only a digest is kept


def test_users_me_needs_a_caller(app: Flask) -> None:
    assert_error(anonymous(app).get("/users/me"), 401, "INVALID_CREDENTIALS")


def test_password_reset_round_trip(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    email = f"reset-{time.monotonic_ns()}@example.com"
    create_user(app, email, "old-password")
    client = anonymous(app)
    with caplog.at_level("WARNING", logger="dxgen.mail"):
        assert client.post("/auth/password/request", json={"email": email}).status_code == 204
        assert (
            client.post("/auth/password/request", json={"email": "ghost@example.com"}).status_code
            == 204
        )
    token = caplog.text.split("token=")[1].split()[0]
    assert caplog.text.count("token=") == 1  # nothing sent for the unknown address
    assert (
        client.post(
            "/auth/password/reset", json={"token": token, "password": "new-password"}
        ).status_code
        == 204
    )
    assert login(app, email, "new-password").status_code == 200
    assert_error(login(app, email, "old-password"), 401, "INVALID_CREDENTIALS")
    assert_error(
        client.post("/auth/password/reset", json={"token": token, "password": "again"}),
        403,
        "INVALID_TOKEN",
    )
    assert_error(
        client.post("/auth/password/request", json={}),
        400,
        "INVALID_PAYLOAD",
        'Invalid payload. "email" field is required.',
    )
    assert_error(
        client.post(
            "/auth/password/request", json={"email": email, "reset_url": "https://evil.example"}
        ),
        400,
        "INVALID_PAYLOAD",
    )


def test_users_created_through_the_api_can_log_in(app: Flask) -> None:
    admin = app.test_client()
    email = f"api-{time.monotonic_ns()}@example.com"
    role = admin.post("/roles", json={"name": f"r-{time.monotonic_ns()}"}).get_json()["data"]
    created = admin.post(
        "/users", json={"email": email, "password": "pw-123456", "role": role["id"]}
    )
    assert created.status_code == 200, created.get_data(as_text=True)
    user = created.get_json()["data"]
    assert user["password"] == "**********" and user["role"] == role["id"]
    token = login(app, email, "pw-123456").get_json()["data"]["access_token"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer="directus")
    assert claims["role"] == role["id"] and claims["admin_access"] is False
    # a static token set through the API works and is never read back
    admin.patch(f"/users/{user['id']}", json={"token": "api-static-token"})
    me = anonymous(app).get("/users/me", headers=bearer("api-static-token"))
    assert me.get_json() == {"data": {"id": user["id"]}}  # the role may not read users
    admin.patch(f"/users/{user['id']}", json={"status": "suspended"})
    assert_error(anonymous(app).get("/users/me", headers=bearer(token)), 401, "USER_SUSPENDED")


def test_dx_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dx", "bootstrap"])
    assert result.exit_code == 0 and "up to date" in result.output
    name = f"cli-{time.monotonic_ns()}"
    assert runner.invoke(args=["dx", "roles", "create", "--name", name]).exit_code == 0
    email = f"{name}@example.com"
    result = runner.invoke(
        args=["dx", "users", "create", "--email", email, "--password", "pw", "--role", name]
    )
    assert result.exit_code == 0, result.output
    grant = [
        "dx",
        "permissions",
        "grant",
        "--role",
        name,
        "--collection",
        "tags",
        "--action",
        "read",
        "--fields",
        "id",
        "--filter",
        '{"id":{"_lt":3}}',
    ]
    assert runner.invoke(args=grant).exit_code == 0
    token = login(app, email, "pw").get_json()["data"]["access_token"]
    tags = anonymous(app).get("/items/tags?sort=id", headers=bearer(token)).get_json()["data"]
    assert tags == [{"id": 1}, {"id": 2}]
    bad = runner.invoke(args=[*grant[:-2], "--filter", "{not json"])
    assert bad.exit_code != 0 and "not valid JSON" in bad.output
    revoke = ["dx", "permissions", "revoke", "--role", name, "--collection", "tags"]
    assert "removed 1" in runner.invoke(args=revoke).output
    assert anonymous(app).get("/items/tags", headers=bearer(token)).status_code == 403
