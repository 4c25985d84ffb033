"""Server-side sessions: the browser holds a random token, the database its SHA-256.

A session ends after ``idle`` without a request or ``absolute`` after sign-in, whichever
comes first; signing out or deactivating the user ends it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from consent_store.models import utcnow
from secondlook.accounts.models import User, WebSession

# Writing last_seen on every request would make every page a write; a minute is precise enough.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SignedIn:
    user: User
    session: WebSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(*, session: Session, user: User) -> str:
    """Start a session for ``user``; returns the token for the cookie (shown only once)."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    row = WebSession(
        token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32)
    )
    session.add(row)
    session.flush()
    return token


def _expired(row: WebSession, now: datetime, timeouts: Timeouts) -> bool:
    return now - row.last_seen_at > timeouts.idle or now - row.created_at > timeouts.absolute


def resolve_session(*, session: Session, token: str, timeouts: Timeouts) -> SignedIn | None:
    """The live session for ``token``; expired ones are deleted on sight."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    now = utcnow()
    user = session.get(User, row.user_id)
    if _expired(row, now, timeouts) or user is None or not user.active:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return SignedIn(user=user, session=row)


def end_session(*, session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


def end_all_sessions(*, session: Session, user_id: int) -> None:
    """Used when a password changes or a user is deactivated."""
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
