"""Per-user API tokens for scripts: ``Authorization: Bearer sl_…``. Stored as SHA-256.

A token is 256 random bits, so a plain SHA-256 is enough (no slow hash needed: it cannot be
guessed, only stolen, and the hash is useless to a thief).

A token carries scopes (``TokenScope``: read, draft, approve) on top of its user's roles,
expires (``api_token_days``), and is revoked for good when its user's password changes or
is reset, or the user is deactivated: reactivating the account does not bring it back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select, update

from consent_store.models import utcnow
from secondlook.accounts.models import ApiToken, TokenScope, User
from secondlook.accounts.sessions import token_hash

PREFIX = "sl_"


@dataclass(frozen=True)
class TokenAuth:
    user: User
    scopes: frozenset[TokenScope]


def scopes_text(scopes: Iterable[TokenScope | str]) -> str:
    """Canonical ``;``-joined scopes, in the order of ``TokenScope``; read is always in."""
    wanted = {TokenScope(s) for s in scopes} | {TokenScope.READ}
    return ";".join(s.value for s in TokenScope if s in wanted)


def create_token(*, session: Session, user: User, name: str, lifetime: timedelta,
                 scopes: Iterable[TokenScope | str] = ()) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    assert user.id is not None
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:80] or "API token",
        token_hash=token_hash(plain),
        prefix=plain[:10],
        scopes=scopes_text(scopes),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return row, plain


def authenticate_token(*, session: Session, plain: str) -> TokenAuth | None:
    """The active user and scopes of a live token, or None."""
    if not plain.startswith(PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))).first()
    if row is None or row.revoked or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return TokenAuth(user, row.scope_set())


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


def revoke_all_tokens(*, session: Session, user_id: int) -> int:
    """Every token of the user stops working (a password change or reset, deactivation)."""
    stmt = (update(ApiToken).where(col(ApiToken.user_id) == user_id,
                                   col(ApiToken.revoked).is_(False))
            .values(revoked=True).execution_options(synchronize_session=False))
    return int(session.exec(stmt).rowcount)
