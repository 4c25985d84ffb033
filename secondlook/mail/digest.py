"""The daily digest: to each person with an address, what waits for them, in one mail.

The same list as their start page (``queues.my_work``), and for admins, headteachers and
safeguarding leads the open takedowns. Nobody with nothing waiting gets a mail, and one
person gets at most one digest a day, whichever server or command writes it (a unique key
on the outbox row).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from consent_store.scope import FIRST_SCHOOL_ID, current_school_id
from secondlook.accounts.models import Role, User
from secondlook.mail.models import OutboxMail
from secondlook.mail.outbox import Notice, quoted
from secondlook.release.models import Takedown
from secondlook.workflow.queues import my_work

TAKEDOWN_ROLES = frozenset({Role.ADMIN, Role.HEADTEACHER, Role.DSL})


def open_takedowns_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Takedown).where(
        col(Takedown.closed_at).is_(None))).one()


def _digest_of(session: Session, user: User, day: date, takedowns: int) -> Notice | None:
    work = my_work(session=session, user=user, limit=50)
    lines = [f"- {item.next_action}: {quoted(item.title)} (/drafts/{item.draft_id})"
             for item in work.todo]
    if user.role_set() & TAKEDOWN_ROLES and takedowns:
        lines.append(f"- Take down: {takedowns} post(s) on the takedown list (/takedowns)")
    if not lines:
        return None
    body = (f"{len(lines)} thing(s) wait for you in Second Look on "
            f"{day:%A %-d %B}:\n" + "\n".join(lines))
    return Notice("digest", f"Second Look: {len(lines)} thing(s) wait for you", body, "/")


def write_digests(*, session: Session, day: date) -> int:
    """One digest per active person with an address and something waiting; returns how many
    were written (none twice for a day). Commits each one in its own savepoint."""
    takedowns = open_takedowns_count(session)
    users = session.exec(select(User).where(col(User.active).is_(True),
                                            col(User.email).is_not(None))).all()
    written = 0
    school = current_school_id()
    for user in users:
        if not user.role_set():
            continue  # works at another school: that school's round writes theirs
        key = f"digest:{day.isoformat()}:{user.id}"
        if school != FIRST_SCHOOL_ID:
            key += f":school{school}"
        if session.exec(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)).first():
            continue
        notice = _digest_of(session, user, day, takedowns)
        if notice is None or not user.email:
            continue
        try:
            with session.begin_nested():
                session.add(OutboxMail(event="digest", user_id=user.id, to_address=user.email,
                                       subject=notice.subject, body=notice.body,
                                       link_path=notice.link_path, dedupe_key=key))
            written += 1
        except IntegrityError:  # another server wrote it a moment ago
            continue
    return written
