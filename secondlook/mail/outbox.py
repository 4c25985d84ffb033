"""Who is told what, written to the outbox in the caller's transaction.

Recipients by role: a submitted post goes to the approvers (never its author or anyone who
edited it), a flagged one also to the headteachers (and the safeguarding leads for
safeguarding findings); returned, approved, rejected and released go to the author; an
opened takedown to the admins and headteachers. Nobody is told of their own step on a
draft, except an author of her post's release (it may finish long after she asked for
it), and one event gives one person one mail. Only accounts with an address get mail.

A mail says which post (its title), what happened and where to look. It never carries a
learner's name or UPN beyond what the title holds, a finding, a reason or a comment: the
link leads to them, behind sign-in. Composing a mail can never stop the step it reports:
a failure is logged and the step goes on (``enqueue_*`` never raise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from secondlook.accounts.models import Role, User
from secondlook.mail.models import OutboxMail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notice:
    event: str
    subject: str
    body: str
    link_path: str


def _active_with_email(session: Session) -> list[User]:
    return list(session.exec(select(User).where(
        col(User.active).is_(True), col(User.email).is_not(None)).order_by(col(User.id))))


def holders(session: Session, *roles: Role) -> list[User]:
    """Active accounts with an email address holding any of ``roles``."""
    return [u for u in _active_with_email(session) if u.role_set() & set(roles)]


def write(session: Session, notice: Notice, recipients: Iterable[User], *,
          draft_id: int | None = None, skip: Iterable[int | None] = (),
          dedupe_key: str | None = None) -> int:
    """One outbox row per recipient (each once, none in ``skip``); returns how many."""
    skipped, seen, rows = set(skip), set(), []
    for user in recipients:
        if user.id in skipped or user.id in seen or not user.email or not user.active:
            continue
        seen.add(user.id)
        rows.append(OutboxMail(event=notice.event, draft_id=draft_id, user_id=user.id,
                               to_address=user.email, subject=notice.subject[:200],
                               body=notice.body, link_path=notice.link_path,
                               dedupe_key=dedupe_key))
    session.add_all(rows)
    return len(rows)


def quoted(title: str) -> str:
    return f"“{title}”" if title else "(a post of photos only)"


def enqueue_draft_event(session: Session, *, event: str, draft_id: int, title: str,
                        author_id: int, editor_ids: Sequence[int], actor: User | None,
                        safeguarding: bool = False) -> int:
    """The mails of one step on a draft. Never raises: a mail is not worth a lost step."""
    try:
        with session.begin_nested():
            return _draft_event(session, event, draft_id, title, author_id, editor_ids,
                                actor, safeguarding)
    except Exception:  # noqa: BLE001 - the step stands; the log says what was not sent
        log.exception("notification %r for draft %s could not be written", event, draft_id)
        return 0


def _actor_name(actor: User | None) -> str:
    return actor.display_name if actor is not None else "Second Look"


def _draft_event(session: Session, event: str, draft_id: int, title: str, author_id: int,
                 editor_ids: Sequence[int], actor: User | None, safeguarding: bool) -> int:
    link, name, what = f"/drafts/{draft_id}", _actor_name(actor), quoted(title)
    # A release may finish later than the click (a schedule, a retry): the author is told
    # of it even when she started it herself.
    skip = [actor.id if actor and event != "released" else None]
    if event in ("submitted", "flagged"):
        skip += [author_id, *editor_ids]  # they may neither approve nor sign it off
        sent = 0
        if event == "flagged":
            signers = (Role.HEADTEACHER, Role.DSL) if safeguarding else (Role.HEADTEACHER,)
            sent = write(session, Notice("flagged", f"Flagged post to sign off: {what}",
                         f"{name} submitted the post {what}. The checks flagged it for the "
                         "headteacher's review: it needs a written sign-off (or a return) "
                         "before it can be released.", link),
                         holders(session, *signers), draft_id=draft_id, skip=skip)
            skip += [u.id for u in holders(session, *signers)]
        return sent + write(session, Notice("submitted", f"Waiting for your approval: {what}",
                            f"{name} submitted the post {what} and it is waiting for a "
                            "colleague's approval.", link),
                            holders(session, Role.APPROVER), draft_id=draft_id, skip=skip)
    author = session.get(User, author_id)
    notice = _author_notice(event, name, what, link)
    if notice is None or author is None:
        return 0
    return write(session, notice, [author], draft_id=draft_id, skip=skip)


def _author_notice(event: str, name: str, what: str, link: str) -> Notice | None:
    texts = {
        "returned": (f"Returned to you: {what}", f"{name} returned your post {what} with a "
                     "reason. Open it to read the reason, change the post and submit it "
                     "again."),
        "approved": (f"Approved: {what}", f"Your post {what} is approved ({name} gave the "
                     "last approval it needed). You can release it now or schedule it."),
        "rejected": (f"Rejected: {what}", f"{name} rejected your post {what}: it will not "
                     "be published. Open it to read why."),
        "released": (f"Released: {what}", f"Your post {what} was released. Open it to see "
                     "each channel's outcome and link."),
    }
    if event not in texts:
        return None
    subject, body = texts[event]
    return Notice(event, subject, body, link)


def enqueue_takedowns(session: Session, *, titles: Sequence[str], count: int) -> int:
    """Admins and headteachers: ``count`` takedowns were opened. Never raises."""
    if count <= 0:
        return 0
    try:
        with session.begin_nested():
            posts = "\n".join(f"- {quoted(t)}" for t in titles)
            body = (f"A change of consent means {count} published post(s) must come down "
                    f"from a channel:\n{posts}\n\nOpen the takedown list to delete them on "
                    "Facebook and X, or to record that the Class Dojo copy was removed.")
            notice = Notice("takedown", f"Takedown needed: {count} post(s)", body, "/takedowns")
            # The admin whose change caused it is told too: it is theirs to follow up.
            return write(session, notice, holders(session, Role.ADMIN, Role.HEADTEACHER))
    except Exception:  # noqa: BLE001 - the consent change stands; the log says what failed
        log.exception("takedown notification could not be written")
        return 0
