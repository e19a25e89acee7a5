"""CORS with flask-cors, configured from Directus's `CORS_*` variables (contract §9).

Directus runs the `cors` npm package first in its middleware chain. Here every `OPTIONS` request
is answered `204` (no body, no type) by a before-request hook put at the head of the app's list,
so no other layer's hook (query-string check, rate limiting, authentication) can fail a
preflight; flask-cors then computes the CORS headers of every response, errors included:

- `CORS_ENABLED=false` (the default): nothing installed, no CORS headers at all.
- `CORS_ORIGIN`: `true` (and the unset `false`, because Directus passes `CORS_ORIGIN || true`)
  reflects the request's `Origin`; `*` sends a literal `*`, with or without an `Origin`; one
  origin, a comma list, a JSON array or `regex:` patterns reflect a matching `Origin`.
- Credentials and exposed headers go with every granted origin; methods, allowed headers and max
  age on preflights.

Two small adjustments keep Directus's wire where flask-cors differs:

- `Vary: Origin` on every response unless `CORS_ORIGIN=*` (flask-cors adds it only when several
  origins could match), so a cache never serves one origin's answer to another.
- A preflight carries `CORS_ALLOWED_HEADERS` verbatim (flask-cors filters it down to the requested
  headers); with an empty list the requested headers are echoed (as flask-cors lists them) and
  `Vary: Access-Control-Request-Headers` is added.

A `regex:` pattern is searched anywhere in the origin, as JavaScript's `RegExp#test` does (it is
compiled with a leading `.*?` because flask-cors matches from the start); listed origins compare
exactly, as in Directus (flask-cors would ignore case).

Deliberate differences from Directus, none of which a browser can observe (it reads CORS headers
only on a response to a request that sent `Origin`, and fails it unless `Allow-Origin` matches):

- Without an `Origin`, or with one `CORS_ORIGIN` does not allow, a response carries only
  `Vary: Origin` (Directus also sends credentials, exposed headers and, on preflights, methods,
  allowed headers and max age); a single configured origin is sent only to that origin.
- A preflight whose `Access-Control-Request-Method` is missing or not in `CORS_METHODS` gets no
  methods, allowed headers or max age (the browser refuses the method either way).
- A preflight asking `Access-Control-Request-Private-Network: true` gets
  `Access-Control-Allow-Private-Network: false` (a refusal, as the header's absence is).
- `CORS_ORIGIN=*` never sends `Access-Control-Allow-Credentials` (a browser ignores it next to a
  wildcard, and flask-cors refuses the combination).
- No `Content-Length: 0` on the 204 (RFC 9110 forbids it there and werkzeug strips it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Flask, Response, request
from flask_cors.core import (
    ACL_ALLOW_HEADERS,
    ACL_METHODS,
    ACL_REQUEST_HEADERS,
    CorsOptionsInput,
    get_cors_options,
    set_cors_headers,
)

from dxgen.runtime.config import ConfigError, Settings

DEFAULT_METHODS = "GET,POST,PATCH,DELETE"


@dataclass(frozen=True)
class OriginRule:
    """`CORS_ORIGIN` as flask-cors's `origins`: `*` (any origin, reflected unless `send_wildcard`)
    or exact origins and searched patterns, all compiled so flask-cors never guesses which."""

    origins: str | tuple[re.Pattern[str], ...]
    send_wildcard: bool = False


def parse_origin(raw: str | bool) -> OriginRule:
    """`CORS_ORIGIN` as Directus's env casting reads it; a bad pattern stops start-up."""
    text = str(raw).strip()
    if text.lower() in {"", "true", "false"}:
        return OriginRule("*")
    if text == "*":
        return OriginRule("*", send_wildcard=True)
    if text.startswith("["):
        items = _json_origins(text)
    else:
        items = [part.strip() for part in text.split(",") if part.strip()]
    return OriginRule(tuple(_pattern(item) for item in items))


def _json_origins(text: str) -> list[str]:
    try:
        items = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"CORS_ORIGIN is not a valid JSON array: {error}") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError("CORS_ORIGIN as JSON must be an array of strings")
    return items


def _pattern(item: str) -> re.Pattern[str]:
    """An exact origin, or a `regex:` searched anywhere (flask-cors calls `Pattern.match`)."""
    if not item.startswith("regex:"):
        return re.compile(re.escape(item) + r"\Z")
    source = item[len("regex:") :]
    try:
        re.compile(source)  # alone first, so the message's positions are the user's
        return re.compile(f".*?(?:{source})")
    except re.error as error:
        raise ConfigError(
            f"CORS_ORIGIN has an invalid regular expression {item!r}: {error}"
        ) from None


def _comma_list(raw: str) -> str:
    """Directus casts comma values to arrays and `cors` joins them with `,`."""
    return ",".join(part.strip() for part in raw.split(",") if part.strip())


def flask_cors_options(settings: Settings, rule: OriginRule) -> CorsOptionsInput:
    """The flask-cors options equivalent to Directus's `CORS_*` settings."""
    allowed_headers = _comma_list(settings.cors_allowed_headers)
    return {
        "origins": rule.origins if isinstance(rule.origins, str) else list(rule.origins),
        "send_wildcard": rule.send_wildcard,
        "always_send": rule.send_wildcard,  # `*` answers Origin-less requests too, as Directus
        "supports_credentials": settings.cors_credentials and not rule.send_wildcard,
        "methods": _comma_list(settings.cors_methods) or DEFAULT_METHODS,
        "allow_headers": allowed_headers.split(",") if allowed_headers else "*",
        "expose_headers": _comma_list(settings.cors_exposed_headers) or None,
        "max_age": settings.cors_max_age or None,
        "vary_header": False,  # `_match_directus` owns `Vary`
    }


def _match_directus(response: Response, rule: OriginRule, allowed_headers: str) -> None:
    """The two adjustments on top of flask-cors's headers (see the module docstring)."""
    if not rule.send_wildcard:
        response.vary.add("Origin")
    if ACL_METHODS not in response.headers:  # not a preflight flask-cors accepted
        return
    if allowed_headers:
        response.headers[ACL_ALLOW_HEADERS] = allowed_headers
    else:
        response.vary.add(ACL_REQUEST_HEADERS)


def install(app: Flask) -> None:
    """Answer preflights ahead of every other hook and add CORS headers to every response,
    when `CORS_ENABLED=true`. The after-request hook also covers error responses."""
    settings: Settings = app.extensions["dxgen"].settings
    if not settings.cors_enabled:
        return
    rule = parse_origin(settings.cors_origin)
    options = get_cors_options(app, flask_cors_options(settings, rule))
    allowed_headers = _comma_list(settings.cors_allowed_headers)

    def answer_preflight() -> Response | None:
        if request.method != "OPTIONS":
            return None
        response = Response(status=204)
        del response.headers["Content-Type"]  # an empty answer has no type, as in Directus
        return response

    def add_headers(response: Response) -> Response:
        set_cors_headers(response, options)
        _match_directus(response, rule, allowed_headers)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, answer_preflight)
    app.after_request(add_headers)
