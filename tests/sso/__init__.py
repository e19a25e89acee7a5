"""Real identity providers for the SSO tests: oidc-provider on Node.js and Debian's slapd."""
