"""Authentication: tokens, sessions, passwords and the /auth routes."""
