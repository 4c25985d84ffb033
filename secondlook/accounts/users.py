"""Creating, finding and changing staff accounts (shared by the web admin pages and the CLI).

Every change — an account created, roles changed, a password changed or reset, access
removed or given back — is written to the audit log; ``actor`` is who did it (None: the
command line or the first-admin set-up).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, func, select

from consent_store.scope import current_school_id
from secondlook.accounts.models import TRUST_GRANTS, Role, Roles, User, UserCreate
from secondlook.accounts.passwords import (
    check_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from secondlook.accounts.tokens import revoke_all_tokens

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
# One address, no display name, no spaces or angle brackets: it goes into a To header.
EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@"
                   r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}$")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def roles_text(roles: Iterable[Role | str]) -> str:
    """The canonical ``;``-joined form, in the order of ``Role``."""
    wanted = {Role(r) for r in roles}
    return ";".join(r.value for r in Role if r in wanted)


def normalise_email(raw: str | None) -> str | None:
    """An address for notifications, or None for none; refuses anything but one address."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL.match(value):
        raise AccountError(f"{value!r} is not an email address such as jones@school.example")
    return value


def set_email(*, session: Session, user: User, email: str | None,
              actor: User | None = None) -> None:
    new = normalise_email(email)
    old, user.email = user.email, new
    session.add(user)
    if old != new:
        _audit(session, actor, "account.email", user, {"note": "email address changed"
                                                        if new else "email address removed"})


def count_users(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(*, session: Session, username: str) -> User | None:
    name = normalise_username(username)
    return session.exec(select(User).where(User.username == name)).first()


def list_users(*, session: Session) -> list[User]:
    """This school's accounts: everyone with a role here, and accounts with no role at any
    school yet (just made, or every role taken away) so that an admin can give them one."""
    users = session.exec(select(User).order_by(User.display_name))
    return [u for u in users if u.role_set() or not u.roles]


def create_user(*, session: Session, data: UserCreate, actor: User | None = None) -> User:
    username = normalise_username(data.username)
    if not USERNAME.match(username):
        raise AccountError(
            "the username must be 2-80 characters: lower-case letters, digits, '.', '_', '-', '@'"
        )
    if not data.display_name.strip():
        raise AccountError("the display name is required (it is shown on approvals)")
    if find_user(session=session, username=username) is not None:
        raise AccountError(f"the username {username!r} is already taken")
    email = normalise_email(data.email)
    check_policy(data.password, username=username, display_name=data.display_name)
    user = User(
        username=username,
        display_name=data.display_name.strip(),
        roles=Roles({}, frozenset()).with_school(current_school_id(),
                                                  frozenset(Role(r) for r in data.roles)).text(),
        password_hash=hash_password(data.password),
        email=email,
    )
    session.add(user)
    session.flush()
    _audit(session, actor, "account.create", user, {"role": roles_text(data.roles)})
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same cost either way)."""
    user = find_user(session=session, username=username)
    if user is None or not user.active:
        verify_password(dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):  # parameters raised since this hash was made
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def set_password(*, session: Session, user: User, password: str,
                 actor: User | None = None) -> None:
    """A new password (changed by its user, or reset): every API token made with the old
    one is revoked. Ending browser sessions is the caller's (it may keep its own)."""
    check_policy(password, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(password)
    session.add(user)
    assert user.id is not None
    revoke_all_tokens(session=session, user_id=user.id)
    changed = actor is not None and actor.id == user.id
    _audit(session, actor, "account.password", user,
           {"note": "changed by its user" if changed else "reset"})


def set_roles(*, session: Session, user: User, roles: Iterable[Role | str],
              actor: User | None = None) -> None:
    """The user's roles at the current school; their roles elsewhere stay as they are."""
    new = roles_text(roles)
    if Role.ADMIN.value not in new.split(";"):
        _keep_an_admin(session=session, changing=user)
    old = roles_text(user.role_set() - _granted(user))
    held = user.all_roles()
    school = current_school_id()
    stored = held.with_school(school, frozenset(Role(r) for r in new.split(";") if r)).text()
    if len(stored) > ROLES_LIMIT:
        raise AccountError(f"{user.display_name} has roles at too many schools to store; "
                           "someone who works across the trust needs a trust role instead")
    user.roles = stored
    session.add(user)
    if old != new:
        _audit(session, actor, "account.roles", user, {"from": old, "to": new})


def set_active(*, session: Session, user: User, active: bool,
               actor: User | None = None) -> None:
    """Deactivating revokes the user's API tokens for good: reactivating does not bring
    them back (they would otherwise outlive the reason for the deactivation)."""
    if not active:
        _keep_an_admin(session=session, changing=user)
        if user.active:
            assert user.id is not None
            revoke_all_tokens(session=session, user_id=user.id)
    old, user.active = user.active, active
    session.add(user)
    if old != active:
        _audit(session, actor, "account.reactivate" if active else "account.deactivate", user,
               {"active": active})


def _keep_an_admin(*, session: Session, changing: User) -> None:
    """Refuse to remove the last active admin: nobody could manage accounts any more."""
    if not (changing.active and changing.has_role(Role.ADMIN)):
        return
    others = session.exec(select(User).where(User.active, User.id != changing.id)).all()
    if not any(u.has_role(Role.ADMIN) for u in others):
        raise AccountError(
            f"{changing.display_name} is the only active admin; make someone else admin first"
        )


ROLES_LIMIT = 200  # the column's width


def _granted(user: User) -> frozenset[Role]:
    """The roles a trust role gives at every school (not the school's own to change)."""
    return frozenset().union(*(TRUST_GRANTS[t] for t in user.trust_roles()))


def _audit(session: Session, actor: User | None, action: str, user: User,
           detail: dict[str, object]) -> None:
    from secondlook.workflow import audit

    audit.append(session=session, actor=actor, action=action,
                 detail={"account": user.username, **detail})
