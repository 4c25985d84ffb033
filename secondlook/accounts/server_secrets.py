"""Random keys that every server process must share, kept in the database.

Made once by whichever process needs one first; a process that loses the race to insert
it reads the winner's. The key then never changes, so each process may cache it.
"""

from __future__ import annotations

import secrets

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from secondlook.accounts.models import ServerSecret

PRE_SESSION_CSRF = "csrf-pre-session"


def shared_secret(db: Engine, name: str) -> bytes:
    """The 32-byte secret ``name``, created on first use."""
    with Session(db) as session:
        row = session.get(ServerSecret, name)
        if row is None:
            session.add(ServerSecret(name=name, value=secrets.token_hex(32)))
            try:
                session.commit()
            except IntegrityError:  # another process made it first: use theirs
                session.rollback()
            row = session.get(ServerSecret, name, populate_existing=True)
        assert row is not None
        return bytes.fromhex(row.value)
