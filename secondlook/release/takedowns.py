"""The takedown list: released posts that must come down after a consent change.

When the register import (or an admin) withdraws or narrows a learner's
consent, ``open_takedowns`` lists every released post on the affected channels
in which that learner was named or pictured, from what was stored with the
post at release (the released revision's report). A post that *may* be online
(in doubt, being sent, or a Class Dojo copy waiting for its link) is listed too,
marked "may be online": nobody knows yet that it is not. Each stays in the
headteacher's queue until someone marks the post taken down, or a person finds
it was never online (``close_not_online``).

What counts as affected:

- never-publish set, or consent expired: every channel, named or pictured;
- a photo channel removed: that channel, pictured;
- name consent reduced (full → first → none): every channel, named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from consent_store.channels import CHANNELS
from consent_store.models import Learner, utcnow
from consent_store.register_import import LearnerChange
from secondlook.accounts.models import Role, User
from secondlook.mail.outbox import enqueue_takedowns
from secondlook.release.models import MAY_BE_ONLINE, ChannelPost, PostState, Takedown
from secondlook.workflow import audit
from secondlook.workflow.models import Revision
from secondlook.workflow.queues import post_title

_NAME_RANK = {"none": 0, "first": 1, "full": 2}


@dataclass(frozen=True, slots=True)
class Exposure:
    upn: str
    channels: frozenset[str]
    named: bool
    pictured: bool
    reason: str


def exposures_of(change: LearnerChange, today: date) -> list[Exposure]:
    """What a change to one learner's record makes unpublishable."""
    f, upn, every = change.fields, change.upn, frozenset(CHANNELS)
    out = []
    if "never_publish" in f and f["never_publish"][1] and not f["never_publish"][0]:
        out.append(Exposure(upn, every, True, True, "never-publish set"))
    if "consent_expires" in f and _newly_expired(*f["consent_expires"], today):
        out.append(Exposure(upn, every, True, True, "consent expired"))
    for channel in sorted(change.narrowed_photo_channels):
        out.append(Exposure(upn, frozenset({channel}), False, True,
                            f"photo consent for {channel} withdrawn"))
    if "name_consent" in f:
        old, new = (str(v) for v in f["name_consent"])
        if _NAME_RANK.get(new, 0) < _NAME_RANK.get(old, 0):
            out.append(Exposure(upn, every, True, False, f"name consent reduced to {new!r}"))
    return out


def _newly_expired(old: object, new: object, today: date) -> bool:
    def expired(value: object) -> bool:
        return isinstance(value, date) and today > value
    return expired(new) and not expired(old)


def _posts_showing(session: Session, exposure: Exposure) -> list[ChannelPost]:
    rows = session.exec(select(ChannelPost).where(
        col(ChannelPost.state).in_(MAY_BE_ONLINE),
        col(ChannelPost.taken_down_at).is_(None),
        col(ChannelPost.channel).in_(sorted(exposure.channels)),
    ).order_by(col(ChannelPost.id)))
    return [row for row in rows if _shows(row, exposure)]


def _shows(row: ChannelPost, exposure: Exposure) -> bool:
    named = exposure.named and exposure.upn in row.named.split(";")
    pictured = exposure.pictured and exposure.upn in row.pictured.split(";")
    return named or pictured


def open_takedowns(*, session: Session, changes: Iterable[LearnerChange],
                   today: date | None = None, actor: User | None = None) -> list[Takedown]:
    """New takedown entries for these consent changes (none twice for a post and learner),
    each written to the audit log."""
    today = today or utcnow().date()
    opened: list[Takedown] = []
    events: list[audit.Event] = []
    for change in changes:
        for exposure in exposures_of(change, today):
            for post in _posts_showing(session, exposure):
                assert post.id is not None
                if _exists(session, post.id, exposure.upn, opened):
                    continue
                entry = Takedown(channel_post_id=post.id, learner_upn=exposure.upn,
                                 reason=exposure.reason)
                session.add(entry)
                opened.append(entry)
                events.append(audit.Event(
                    "takedown.open", draft_id=post.draft_id, revision=post.revision,
                    content_sha256=post.content_sha256,
                    detail={"upn": exposure.upn, "channels": [post.channel],
                            "reason": exposure.reason}))
    session.flush()
    audit.append_many(session=session, actor=actor, events=events)
    _tell(session, opened)
    return opened


def _tell(session: Session, opened: list[Takedown]) -> None:
    """Admins and headteachers get a mail naming the posts (by title only)."""
    if not opened:
        return
    posts = {p.draft_id: p.revision for t in opened
             if (p := session.get(ChannelPost, t.channel_post_id)) is not None}
    titles = []
    for draft_id, number in sorted(posts.items()):
        revision = session.exec(select(Revision).where(
            Revision.draft_id == draft_id, Revision.number == number)).first()
        titles.append(post_title(revision.text) if revision else f"post {draft_id}")
    enqueue_takedowns(session, titles=titles, count=len(opened))


def _exists(session: Session, post_id: int, upn: str, pending: list[Takedown]) -> bool:
    if any(t.channel_post_id == post_id and t.learner_upn == upn for t in pending):
        return True
    return session.exec(select(Takedown.id).where(
        Takedown.channel_post_id == post_id, Takedown.learner_upn == upn)).first() is not None


@dataclass(frozen=True, slots=True)
class TakedownItem:
    id: int
    learner_upn: str
    learner_name: str
    reason: str
    channel: str
    draft_id: int
    url: str
    posted_at: datetime | None
    opened_at: datetime
    may_be_online: bool = False  # in doubt: nobody knows yet whether it is online
    remote_id: str = ""  # the channel's id of the post: what its API deletes


def takedown_queue(*, session: Session) -> list[TakedownItem]:
    """Open takedowns, oldest first: the headteacher's list."""
    rows = session.exec(
        select(Takedown, ChannelPost, Learner)
        .join(ChannelPost, col(ChannelPost.id) == Takedown.channel_post_id)
        .join(Learner, col(Learner.upn) == Takedown.learner_upn, isouter=True)
        .where(col(Takedown.closed_at).is_(None))
        .order_by(col(Takedown.opened_at), col(Takedown.id))
    )
    return [TakedownItem(
        id=t.id or 0, learner_upn=t.learner_upn,
        learner_name=f"{(lrn.preferred_name or lrn.first_name)} {lrn.last_name}" if lrn else "",
        reason=t.reason, channel=p.channel, draft_id=p.draft_id, url=p.url,
        posted_at=p.posted_at, opened_at=t.opened_at, may_be_online=p.state != PostState.POSTED,
        remote_id=p.remote_id,
    ) for t, p, lrn in rows]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A takedown that was closed: who closed it, when, and how (the note)."""

    channel: str
    draft_id: int
    url: str
    reason: str
    closed_at: datetime
    closed_by: str
    note: str


def takedown_receipts(*, session: Session, limit: int = 50) -> list[Receipt]:
    """Closed takedowns, newest first: the record of who took what down."""
    rows = session.exec(
        select(Takedown, ChannelPost, User)
        .join(ChannelPost, col(ChannelPost.id) == Takedown.channel_post_id)
        .join(User, col(User.id) == Takedown.closed_by_id, isouter=True)
        .where(col(Takedown.closed_at).is_not(None))
        .order_by(col(Takedown.closed_at).desc(), col(Takedown.id).desc()).limit(limit))
    return [Receipt(channel=p.channel, draft_id=p.draft_id, url=p.url, reason=t.reason,
                    closed_at=t.closed_at, closed_by=u.display_name if u else "",
                    note=t.note) for t, p, u in rows if t.closed_at is not None]


def close_not_online(*, session: Session, post_id: int, user: User) -> int:
    """A post in doubt turned out never to have been online: its takedowns are closed,
    and the audit log says so."""
    now = utcnow()
    open_ones = session.exec(select(Takedown).where(
        Takedown.channel_post_id == post_id, col(Takedown.closed_at).is_(None))).all()
    post = session.get(ChannelPost, post_id)
    if not open_ones or post is None:
        return 0
    for t in open_ones:
        t.closed_at, t.closed_by_id = now, user.id
        t.note = f"not on the channel: checked by {user.username}"
        session.add(t)
    audit.append(session=session, actor=user, action="taken down", draft_id=post.draft_id,
                 revision=post.revision, content_sha256=post.content_sha256,
                 detail={"channels": [post.channel], "note": "never online: checked by a "
                         "person", "reason": "; ".join(sorted({t.reason for t in open_ones}))})
    session.flush()
    return len(open_ones)


def mark_taken_down(*, session: Session, takedown_id: int, user: User, note: str = "") -> int:
    """The post is down: closes every open takedown of that post; returns how many."""
    if not user.role_set() & {Role.HEADTEACHER, Role.DSL, Role.ADMIN}:
        raise PermissionError("only an admin, the headteacher or the DSL may mark a post "
                              "taken down")
    entry = session.get(Takedown, takedown_id)
    if entry is None:
        raise LookupError(f"there is no takedown {takedown_id}")
    post = session.get(ChannelPost, entry.channel_post_id)
    assert post is not None
    now = utcnow()
    post.taken_down_at = post.taken_down_at or now
    session.add(post)
    open_ones = session.exec(select(Takedown).where(
        Takedown.channel_post_id == post.id, col(Takedown.closed_at).is_(None))).all()
    for t in open_ones:
        t.closed_at, t.closed_by_id, t.note = now, user.id, note[:2000]
        session.add(t)
    audit.append(session=session, actor=user, action="taken down", draft_id=post.draft_id,
                 revision=post.revision, content_sha256=post.content_sha256,
                 detail={"channels": [post.channel], "note": note[:500],
                         "reason": "; ".join(sorted({t.reason for t in open_ones}))})
    session.flush()
    return len(open_ones)
