"""A real OpenID Connect provider (`oidc-provider` on Node.js, provider.mjs) on 127.0.0.1, and a
token-endpoint relay that can spoil the ID token it passes on.

The relay is how the tests reach the ID-token checks with everything else real: it forwards the
token request to the provider and re-signs the ID token with the provider's own key after
changing one claim (expired, wrong audience, wrong nonce), or signs it with a stranger's key.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.services import unavailable
from tests.sso.process import free_port, serving

HERE = Path(__file__).resolve().parent
CLIENT_ID = "dxgen-app"
CLIENT_SECRET = "dxgen-app-secret"
Spoiler = Callable[[dict[str, Any]], tuple[dict[str, Any], RSAKey | None]]


def signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True
    )


@dataclass
class OidcProvider:
    """The running provider: its issuer, its key, and the relay's discovery URL."""

    issuer: str
    key: RSAKey
    relay_url: str = ""
    spoil: Spoiler | None = field(default=None)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def relay_discovery_url(self) -> str:
        return f"{self.relay_url}/.well-known/openid-configuration"


def _node_ready() -> None:
    if shutil.which("node") is None:
        unavailable("OpenID provider", FileNotFoundError("node is not installed"))
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        unavailable(
            "OpenID provider",
            FileNotFoundError("tests/sso/node_modules missing: run `make install-test`"),
        )


@contextmanager
def running_provider(tmp: Path, redirect_uris: list[str]) -> Iterator[OidcProvider]:
    """Starts provider.mjs with a fresh signing key; stops it on exit."""
    _node_ready()
    key = signing_key("provider-key")
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": ",".join(redirect_uris),
        "JWKS_FILE": str(jwks),
        "NODE_ENV": "test",
    }
    issuer = f"http://127.0.0.1:{port}"
    document = f"{issuer}/.well-known/openid-configuration"
    command = ["node", str(HERE / "provider.mjs")]
    with serving(
        "OpenID provider",
        command,
        lambda: requests.get(document, timeout=1).raise_for_status(),
        (requests.RequestException,),
        cwd=HERE,
        env=env,
    ):
        provider = OidcProvider(issuer, key)
        with _relay(provider) as relay_url:
            provider.relay_url = relay_url
            yield provider


@contextmanager
def _relay(provider: OidcProvider) -> Iterator[str]:
    """Serves the provider's discovery document with the token endpoint pointing here."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            document = requests.get(provider.discovery_url, timeout=5).json()
            document["token_endpoint"] = f"{relay_url}/token"
            self._answer(200, json.dumps(document).encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            reply = requests.post(f"{provider.issuer}/token", data=body, headers=headers)
            token = reply.json()
            if reply.ok and provider.spoil is not None and "id_token" in token:
                token["id_token"] = _spoiled(provider, token["id_token"], provider.spoil)
            self._answer(reply.status_code, json.dumps(token).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    relay_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield relay_url
    finally:
        server.shutdown()
        server.server_close()


def _spoiled(provider: OidcProvider, id_token: str, spoil: Spoiler) -> str:
    claims = dict(jwt.decode(id_token, provider.key).claims)
    changed, key = spoil(claims)
    key = key or provider.key
    header = {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, changed, key)


def sign_in_at_provider(authorize_url: str, account: str, callback_prefix: str) -> str:
    """Walks the provider's login and consent pages as a browser would; returns the callback
    URL (with `code` and `state`) that the provider sends the browser back to."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(12):
        reply = browser.get(url, allow_redirects=False)
        if reply.status_code == 200:
            form = (
                {"prompt": "login", "login": account, "password": "any"}
                if 'name="login"' in reply.text
                else {"prompt": "consent"}
            )
            reply = browser.post(url, data=form, allow_redirects=False)
        assert reply.status_code in (302, 303), (reply.status_code, reply.text[:500])
        url = urljoin(url, reply.headers["Location"])
        if url.startswith(callback_prefix):
            return url
    raise AssertionError(f"the provider never redirected to {callback_prefix}")
