"""Per-user API tokens for scripts: ``Authorization: Bearer sl_…``. Stored as SHA-256.

A token is 256 random bits, so a plain SHA-256 is enough (no slow hash needed: it cannot be
guessed, only stolen, and the hash is useless to a thief).
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from consent_store.models import utcnow
from secondlook.accounts.models import ApiToken, User
from secondlook.accounts.sessions import token_hash

PREFIX = "sl_"


def create_token(*, session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    assert user.id is not None
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:80] or "API token",
        token_hash=token_hash(plain),
        prefix=plain[:10],
    )
    session.add(row)
    session.flush()
    return row, plain


def user_for_token(*, session: Session, plain: str) -> User | None:
    if not plain.startswith(PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))).first()
    if row is None or row.revoked:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return user


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked == False)  # noqa: E712
        )
    )


def revoke_token(*, session: Session, user: User, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked:
        return False
    row.revoked = True
    session.add(row)
    return True
