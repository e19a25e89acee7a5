"""Where a sign-in may send the browser afterwards (Directus's login redirect allow-list).

An open redirect after login would let anyone craft a link that hands a freshly signed-in user
(and, in cookie mode, a session) to a host they control, so the check runs before the browser is
ever sent to the provider.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from dxgen.runtime.errors import InvalidPayloadError


def _origin_and_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", "", ""))


def redirect_allowed(redirect: str, allow_list: tuple[str, ...], public_url: str) -> bool:
    """Relative paths pass, `//host` does not, only http(s); an absolute URL passes when it is
    an allow-list entry (`PUBLIC_URL` counts as one) or has an entry's origin and path, or else
    shares scheme and host:port with `PUBLIC_URL`."""
    if redirect.startswith("/"):
        return not redirect.startswith("//") and "\\" not in redirect
    target = urlsplit(redirect)
    if target.scheme not in ("http", "https") or not target.netloc:
        return False
    entries = (*allow_list, public_url)
    if redirect in entries:
        return True
    wanted = _origin_and_path(redirect)
    if wanted in {_origin_and_path(entry) for entry in entries}:
        return True
    public = urlsplit(public_url)
    return (target.scheme, target.netloc.lower()) == (public.scheme, public.netloc.lower())


def check_redirect(redirect: str | None, allow_list: tuple[str, ...], public_url: str) -> None:
    """Raises 400 INVALID_PAYLOAD for a redirect the allow-list does not admit."""
    if redirect and not redirect_allowed(redirect, allow_list, public_url):
        raise InvalidPayloadError(f'URL "{redirect}" can\'t be used to redirect after login')


def with_reason(redirect: str, code: str) -> str:
    """The redirect a failed callback answers with: `<redirect without query>?reason=<CODE>`."""
    return f"{redirect.split('?')[0]}?reason={code}"
