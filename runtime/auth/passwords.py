"""Password hashes (argon2id, the format Directus stores) and token digests.

Unknown emails still cost one verification against a dummy hash, so a login's timing does not
tell whether the account exists (the login stall time pads the rest).
"""

from __future__ import annotations

import functools
import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: Directus's parameters


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: hashing costs ~0.2 s of every worker's start-up."""
    return _HASHER.hash("dxgen: no such user")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; any malformed hash simply does not match."""
    try:
        return _HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return False


def digest(token: str) -> str:
    """What is stored for a static or refresh token: the token itself never is."""
    return hashlib.sha256(token.encode()).hexdigest()
