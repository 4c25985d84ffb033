"""The one-time link that creates the first admin of an empty database.

There is no default password: ``secondlook serve`` prints a link holding a random token
when no user exists. Only the token's hash is kept, in the database (one row of
``setup_link``), so every server process accepts the same link and a newer link replaces
an older one. Using the link consumes it with a compare-and-set UPDATE in the same
transaction that creates the admin: submitted to two servers at once, one creates the
admin and the other is refused; if creating the account fails, the link still works.
It stops working once any account exists, or after ``LINK_HOURS``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, update

from consent_store.models import utcnow
from secondlook.accounts.models import Role, SetupLink, User, UserCreate
from secondlook.accounts.sessions import token_hash
from secondlook.accounts.users import AccountError, count_users, create_user

LINK_HOURS = 24
USED = "this set-up link has been used or has expired"


def issue_setup_link(*, session: Session) -> str | None:
    """A fresh token replacing any earlier one (committed); None once an account exists."""
    if count_users(session=session) > 0:
        return None
    token = secrets.token_urlsafe(24)
    for _ in range(2):  # two servers starting together: the second updates the first's row
        row = session.get(SetupLink, 1, populate_existing=True) or SetupLink(id=1)
        row.token_hash, row.issued_at, row.used_at = token_hash(token), utcnow(), None
        session.add(row)
        try:
            session.commit()
            return token
        except IntegrityError:
            session.rollback()
    raise AccountError("could not record the set-up link; start the server again")


def _oldest_valid():  # noqa: ANN202 - a datetime
    return utcnow() - timedelta(hours=LINK_HOURS)


def setup_link_valid(*, session: Session, token: str) -> bool:
    row = session.get(SetupLink, 1, populate_existing=True)
    if row is None or row.used_at is not None or row.issued_at < _oldest_valid():
        return False
    return hmac.compare_digest(row.token_hash, token_hash(token)) and \
        count_users(session=session) == 0


def create_first_admin(*, session: Session, token: str, data: UserCreate) -> User:
    """Consume the link and create the admin; the caller commits (or rolls back both)."""
    consume = (
        update(SetupLink)
        .where(col(SetupLink.id) == 1, col(SetupLink.token_hash) == token_hash(token),
               col(SetupLink.used_at).is_(None), col(SetupLink.issued_at) >= _oldest_valid())
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if session.exec(consume).rowcount != 1 or count_users(session=session) > 0:
        raise AccountError(USED)
    roles = frozenset(data.roles) | {Role.ADMIN}
    return create_user(session=session, data=data.model_copy(update={"roles": roles}))
