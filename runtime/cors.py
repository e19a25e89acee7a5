"""CORS exactly as Directus answers it (`CORS_*` variables, contract §9).

Directus runs the `cors` npm package first in its middleware chain, so every `OPTIONS` request is
answered here with `204` before rate limiting and authentication, and the headers follow that
package's rules, which browsers and Directus clients are used to:

- `CORS_ENABLED=false` (the default): no CORS headers at all.
- `CORS_ORIGIN`: `true` (and the unset `false`, because Directus passes `CORS_ORIGIN || true`)
  reflects the request's `Origin`; `*` sends a literal `*`; one origin is always sent as is; a
  comma list, a JSON array or a `regex:` pattern reflect a matching `Origin` and omit the header
  otherwise. Everything but `*` adds `Vary: Origin`, with or without an `Origin` header.
- `Access-Control-Allow-Credentials` and `-Expose-Headers` go on every response; methods,
  allowed headers (the configured list verbatim, or the requested ones when the list is empty)
  and max age on preflights.

One difference is deliberate: no `Content-Length: 0` on the 204 (RFC 9110 forbids it there and
werkzeug strips it). flask-cors is not used for this: it answers nothing without an `Origin`,
filters `Access-Control-Allow-Headers` down to the requested headers and only reflects matching
fixed origins, so the wire would differ from Directus's in each of those cases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Flask, Response, request

from dxgen.runtime.config import ConfigError, Settings

Pattern = str | re.Pattern[str]


@dataclass(frozen=True)
class OriginPolicy:
    """What `CORS_ORIGIN` allows: `reflect` any origin, `any` (`*`), one `fixed` origin, or
    `match` against `allowed` (exact strings and regular expressions)."""

    kind: str
    fixed: str = ""
    allowed: tuple[Pattern, ...] = ()

    def allow_origin(self, origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value for a request's `Origin`, or None to omit it."""
        if self.kind == "any":
            return "*"
        if self.kind == "fixed":
            return self.fixed
        if self.kind == "reflect" or (origin and any(_matches(origin, p) for p in self.allowed)):
            return origin or None
        return None


def _matches(origin: str, pattern: Pattern) -> bool:
    if isinstance(pattern, str):
        return origin == pattern
    return pattern.search(origin) is not None  # JavaScript's RegExp#test searches


def parse_origin(raw: str | bool) -> OriginPolicy:
    """`CORS_ORIGIN` as Directus's env casting reads it; a bad pattern stops start-up."""
    text = str(raw).strip()
    if text.lower() in {"", "true", "false"}:
        return OriginPolicy("reflect")
    if text == "*":
        return OriginPolicy("any")
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as error:
            raise ConfigError(f"CORS_ORIGIN is not a valid JSON array: {error}") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError("CORS_ORIGIN as JSON must be an array of strings")
        return OriginPolicy("match", allowed=tuple(_pattern(i) for i in items))
    if text.startswith("regex:") or "," in text:
        parts = [part.strip() for part in text.split(",")] if "," in text else [text]
        return OriginPolicy("match", allowed=tuple(_pattern(p) for p in parts if p))
    return OriginPolicy("fixed", fixed=text)


def _pattern(item: str) -> Pattern:
    if not item.startswith("regex:"):
        return item
    try:
        return re.compile(item[len("regex:") :])
    except re.error as error:
        raise ConfigError(
            f"CORS_ORIGIN has an invalid regular expression {item!r}: {error}"
        ) from None


def _comma_list(raw: str) -> str:
    """Directus casts comma values to arrays and `cors` joins them with `,`."""
    return ",".join(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class CorsPolicy:
    origin: OriginPolicy
    methods: str
    allowed_headers: str
    exposed_headers: str
    credentials: bool
    max_age: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CorsPolicy:
        return cls(
            origin=parse_origin(settings.cors_origin),
            methods=_comma_list(settings.cors_methods) or "GET,POST,PATCH,DELETE",
            allowed_headers=_comma_list(settings.cors_allowed_headers),
            exposed_headers=_comma_list(settings.cors_exposed_headers),
            credentials=settings.cors_credentials,
            max_age=settings.cors_max_age,
        )

    def apply(self, response: Response, preflight: bool) -> None:
        """Add the CORS headers of this request to `response`."""
        allow_origin = self.origin.allow_origin(request.headers.get("Origin"))
        if allow_origin:
            response.headers["Access-Control-Allow-Origin"] = allow_origin
        if self.origin.kind != "any":
            response.vary.add("Origin")
        if self.credentials:
            response.headers["Access-Control-Allow-Credentials"] = "true"
        if preflight:
            self._apply_preflight(response)
        if self.exposed_headers:
            response.headers["Access-Control-Expose-Headers"] = self.exposed_headers

    def _apply_preflight(self, response: Response) -> None:
        response.headers["Access-Control-Allow-Methods"] = self.methods
        allowed = self.allowed_headers
        if not allowed:  # reflect what the browser asks for, which then varies by request
            allowed = request.headers.get("Access-Control-Request-Headers", "")
            response.vary.add("Access-Control-Request-Headers")
        if allowed:
            response.headers["Access-Control-Allow-Headers"] = allowed
        if self.max_age:
            response.headers["Access-Control-Max-Age"] = str(self.max_age)


def install(app: Flask) -> None:
    """Answer preflights and add CORS headers to every response, when `CORS_ENABLED=true`.

    Installed before rate limiting and authentication, so its before-request hook answers
    `OPTIONS` ahead of theirs; the after-request hook also covers error responses."""
    settings: Settings = app.extensions["dxgen"].settings
    if not settings.cors_enabled:
        return
    policy = CorsPolicy.from_settings(settings)

    def answer_preflight() -> Response | None:
        if request.method != "OPTIONS":
            return None
        response = Response(status=204)
        del response.headers["Content-Type"]  # an empty answer has no type, as in Directus
        return response

    def add_headers(response: Response) -> Response:
        policy.apply(response, preflight=request.method == "OPTIONS")
        return response

    app.before_request(answer_preflight)
    app.after_request(add_headers)
