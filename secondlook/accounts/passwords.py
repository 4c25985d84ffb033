"""Password hashing with Argon2id (argon2-cffi), at OWASP's recommended minimum or above."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (minimum configuration).
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_LENGTH = 10
MAX_LENGTH = 256  # long pass-phrases welcome; the cap only stops hashing megabytes


class PasswordRejected(ValueError):
    """The new password does not meet the policy; the message says why."""


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID
    )


def check_policy(password: str, *, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"the password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"the password must be at most {MAX_LENGTH} characters long")
    if password.strip().casefold() == username.strip().casefold():
        raise PasswordRejected("the password must not be the username")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


# Verified against when the username is unknown, so that a wrong username takes as long
# as a wrong password and the response time does not reveal which accounts exist.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password("not a real password, only for timing")
