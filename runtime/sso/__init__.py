"""Single sign-on: OpenID Connect, OAuth 2.0 and LDAP providers, configured as in Directus
(`AUTH_PROVIDERS`, `AUTH_<NAME>_*`), issuing the same tokens as a local login."""

from dxgen.runtime.sso.views import install

__all__ = ["install"]
