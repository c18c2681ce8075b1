"""Password hashing (argon2id) and the generation of initial passwords and login ids."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106 second recommended option (64 MiB, 3 passes), lighter in parallelism for 2 cores.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)


def configure_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Sets the argon2id cost from the settings (tests use a lighter, still real, cost).
    Hashes made with other parameters keep verifying: argon2 stores them in the hash."""
    global _HASHER  # one process-wide hasher, configured at start-up
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=2)


_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a secret
_LOGIN_ALPHABET = "0123456789"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def new_initial_password(length: int = 14) -> str:
    """Printed on the secrets letter: unambiguous characters only, ~80 bits of entropy."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def new_login_id() -> str:
    """A 10-digit identifier, easy to type on a phone keypad."""
    return "".join(secrets.choice(_LOGIN_ALPHABET) for _ in range(10))
