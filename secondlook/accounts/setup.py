"""The one-time link that creates the first admin of an empty database.

There is no default password: ``secondlook serve`` prints a link holding a random token
when no user exists. The token lives only in the server's memory (as a hash) and stops
working as soon as any account exists.
"""

from __future__ import annotations

import hmac
import secrets
import threading

from sqlmodel import Session

from secondlook.accounts.models import Role, User, UserCreate
from secondlook.accounts.sessions import token_hash
from secondlook.accounts.users import AccountError, count_users, create_user


class FirstAdminSetup:
    def __init__(self) -> None:
        self._hash: str | None = None
        self._lock = threading.Lock()  # two tabs submitting at once create one admin

    def issue(self) -> str:
        """A fresh token (replacing any earlier one)."""
        token = secrets.token_urlsafe(24)
        self._hash = token_hash(token)
        return token

    def accepts(self, token: str) -> bool:
        return self._hash is not None and hmac.compare_digest(self._hash, token_hash(token))

    def create_admin(self, *, session: Session, token: str, data: UserCreate) -> User:
        with self._lock:
            if not self.accepts(token) or count_users(session=session) > 0:
                raise AccountError("this set-up link has been used or has expired")
            roles = frozenset(data.roles) | {Role.ADMIN}
            user = create_user(session=session, data=data.model_copy(update={"roles": roles}))
            session.commit()
            self._hash = None
            return user
