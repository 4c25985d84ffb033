"""Password hashing with Argon2id (argon2-cffi), at OWASP's recommended minimum or above,
and the policy for new passwords: long enough, not the user's own name, and not guessable
as zxcvbn estimates it (its lists hold the passwords most used in public breaches, common
words and names; the user's own names are added), so "Password123!" or "Summer2024" are
refused however long the rule says they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (minimum configuration).
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_LENGTH = 10
MAX_LENGTH = 256  # long pass-phrases welcome; the cap only stops hashing megabytes
# zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses or more); with Argon2 and
# the login throttle that is out of reach of guessing.
MIN_SCORE = 3


class PasswordRejected(ValueError):
    """The new password does not meet the policy; the message says why."""


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID
    )


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def check_policy(password: str, *, username: str, display_name: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"the password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"the password must be at most {MAX_LENGTH} characters long")
    if password.strip().casefold() == username.strip().casefold():
        raise PasswordRejected("the password must not be the username")
    names = [n for n in (_letters(username), _letters(display_name)) if len(n) >= 4]
    if any(n in _letters(password) for n in names):
        raise PasswordRejected("the password must not contain your name or username")
    _check_guessable(password, [username, display_name, *display_name.split()])


def _check_guessable(password: str, own_words: list[str]) -> None:
    result = zxcvbn(password, user_inputs=[w for w in own_words if w], max_length=MAX_LENGTH)
    if result["score"] >= MIN_SCORE:
        return
    feedback = result.get("feedback") or {}
    why = feedback.get("warning") or "it is made of common words, names or patterns"
    raise PasswordRejected(
        f"the password is too easy to guess ({why.rstrip('.').lower()}); use three or four "
        "unrelated words, or a longer phrase"
    )


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
