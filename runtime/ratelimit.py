"""Per-client-IP rate limiting with flask-limiter, on by default.

Defaults are the product brief's (100 requests per second and 1000 per minute per IP);
`RATE_LIMITER_POINTS` + `RATE_LIMITER_DURATION` replace both with one Directus-style window. One
application-wide bucket per IP covers every route, unknown routes and `/server/ping` included
(Directus limits before routing), but not CORS preflights, which `cors` answers first.

A 429 carries Directus's `REQUESTS_EXCEEDED` body and `Retry-After`; every limited response also
carries `X-RateLimit-Limit/-Remaining/-Reset` for the window closest to running out.

With `RATE_LIMITER_STORE=redis` every worker counts in one Redis, so N gunicorn workers share one
budget. An unreachable Redis at start-up stops the app (a typo in `REDIS` should not go unnoticed);
Redis going away later does not take the API down with it: counting continues per worker in
memory (flask-limiter's in-memory fallback, still bounded, at most N times the budget) and
switches back once Redis answers again. Failing closed would turn a counter-store outage into a
full API outage; failing fully open would drop all protection while it lasts.
"""

from __future__ import annotations

import ipaddress
import math
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded, RequestLimit
from limits.errors import ConfigurationError

from dxgen.runtime.config import ConfigError, Settings
from dxgen.runtime.errors import RequestsExceededError
from dxgen.runtime.web import error_response

DEFAULT_LIMITS = ("100 per 1 second", "1000 per 1 minute")
STORE_TIMEOUT_S = 1.0  # a hung Redis must not hang every request with it
UNMATCHED = "unmatched-route"  # flask-limiter skips requests without an endpoint otherwise


def install(app: Flask) -> None:
    """Limit every request of `app` per client IP unless `RATE_LIMITER_ENABLED=false`."""
    settings: Settings = app.extensions["dxgen"].settings
    if not settings.rate_limiter_enabled:
        return
    limiter = Limiter(
        lambda: client_ip(settings),
        application_limits=[ApplicationLimit(";".join(limit_strings(settings)))],
        storage_uri=_storage_uri(settings),
        storage_options=_storage_options(settings),
        strategy="fixed-window",  # rate-limiter-flexible's model: a window opens at the first hit
        key_prefix=settings.rate_limiter_key_prefix,
        in_memory_fallback_enabled=settings.rate_limiter_store == "redis",
        request_identifier=lambda: request.endpoint or UNMATCHED,
        headers_enabled=False,  # written below: only X-RateLimit-* always, Retry-After on 429
    )
    limiter.request_filter(_is_preflight)
    try:
        limiter.init_app(app)
    except ConfigurationError as error:
        raise ConfigError(f"RATE_LIMITER_STORE={settings.rate_limiter_store}: {error}") from None
    _check_store(limiter, settings)
    app.register_error_handler(RateLimitExceeded, lambda _: _too_many_requests(limiter))
    app.after_request(lambda response: _add_limit_headers(limiter, response))


def limit_strings(settings: Settings) -> tuple[str, ...]:
    """The windows in flask-limiter notation: the defaults, or the one configured window."""
    if settings.rate_limiter_points is None or settings.rate_limiter_duration is None:
        return DEFAULT_LIMITS
    return (f"{settings.rate_limiter_points} per {settings.rate_limiter_duration} second",)


def client_ip(settings: Settings) -> str:
    """The caller's IP as Directus derives it: `IP_CUSTOM_HEADER` when set and holding an IP;
    the first `X-Forwarded-For` hop only with `IP_TRUST_PROXY=true` (otherwise any caller could
    pick its own bucket); else the socket peer. IPv4-mapped IPv6 addresses are unwrapped."""
    candidates: list[str] = []
    if settings.ip_custom_header:
        candidates.append(request.headers.get(settings.ip_custom_header, ""))
    if settings.ip_trust_proxy and request.access_route:
        candidates.append(request.access_route[0])
    candidates.append(request.remote_addr or "")
    for candidate in candidates:
        address = _ip(candidate)
        if address:
            return address
    return "unknown"


def _ip(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _storage_uri(settings: Settings) -> str:
    if settings.rate_limiter_store == "memory":
        return "memory://"
    assert settings.redis  # Settings.validate requires REDIS with the redis store
    return settings.redis


def _storage_options(settings: Settings) -> dict[str, str | int]:
    if settings.rate_limiter_store == "memory":
        return {}
    timeout: float = STORE_TIMEOUT_S  # redis-py takes float seconds
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout}  # type: ignore[dict-item]


def _check_store(limiter: Limiter, settings: Settings) -> None:
    """Stop start-up when the Redis named by `REDIS` does not answer."""
    if settings.rate_limiter_store != "redis" or limiter.storage.check():
        return
    url = urlsplit(settings.redis or "")  # named without user and password: they may be secret
    where = f"{url.scheme}://{url.hostname or ''}" + (f":{url.port}" if url.port else "")
    raise ConfigError(
        f"REDIS: cannot reach {where} (RATE_LIMITER_STORE=redis); start Redis, fix REDIS, "
        "or set RATE_LIMITER_STORE=memory"
    )


def _tightest(limiter: Limiter) -> tuple[RequestLimit, float, int] | None:
    """The evaluated limit closest to running out (the breached one on a 429), with its reset
    time (epoch seconds) and remaining requests."""
    best: tuple[RequestLimit, float, int] | None = None
    for limit in limiter.current_limits:
        reset, remaining = limit.window
        if limit.breached:
            return limit, reset, 0
        if best is None or remaining < best[2]:
            best = limit, reset, remaining
    return best


def _add_limit_headers(limiter: Limiter, response: Response) -> Response:
    try:
        tightest = _tightest(limiter)
    except Exception:  # the store failed after counting: skip the headers, keep the response
        limiter.logger.warning("rate limit headers skipped: store unreachable", exc_info=True)
        return response
    if tightest is not None:
        limit, reset, remaining = tightest
        response.headers["X-RateLimit-Limit"] = str(limit.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(math.ceil(reset))
    return response


def _too_many_requests(limiter: Limiter) -> Response:
    """Directus's 429: `Retry-After` in whole seconds and `ms()`-style wait in the message."""
    tightest = _tightest(limiter)
    assert tightest is not None  # a breach always leaves its limit in the request context
    limit, reset, _ = tightest
    wait_ms = max(0, _round_half_up((reset - time.time()) * 1000))
    error = RequestsExceededError(
        limit=limit.limit.amount,
        reset=_iso(datetime.fromtimestamp(time.time() + wait_ms / 1000, UTC)),
        wait=humanize_ms(wait_ms),
    )
    response = error_response(error)
    response.headers["Retry-After"] = str(_round_half_up(wait_ms / 1000))
    return response


def humanize_ms(ms: int) -> str:
    """Directus's `ms()` short form: `500ms`, `10s`, `1m`, `2h`, `1d` (rounded, half up)."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size:
            return f"{_round_half_up(ms / size)}{unit}"
    return f"{ms}ms"


def _round_half_up(value: float) -> int:
    """JavaScript's Math.round (Python's round() rounds half to even)."""
    return math.floor(value + 0.5)


def _iso(moment: datetime) -> str:
    """JavaScript's Date#toISOString: UTC with milliseconds and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
