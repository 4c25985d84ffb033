"""Publishing one approved revision to one channel, at most once.

The idempotency key is (draft, revision, channel), a unique row in
``channel_post``. The order of events is:

1. *claim*: in its own committed transaction, move the row from ``pending`` or
   ``failed`` to ``sending`` with a compare-and-set UPDATE. Only one process
   wins; a row in any other state is never sent again by the machine.
2. *send*: the adapter's preparing steps and its one publishing request, each
   tried once (nothing waits here: see ``retrying``).
3. *record*: ``posted`` with the remote id and link, or ``failed`` (certainly
   not posted; with ``retry_after`` when the background releaser is to try
   again), or ``in_doubt`` (may be online), committed.

If the process dies between 2 and 3, the row stays ``sending``. Neither
Facebook nor X accepts an idempotency key, so the machine cannot ask "did that
go through?" reliably; it therefore never resends a ``sending`` row.
``recovery`` turns rows whose process is gone into ``in_doubt``, and only a
person — who looks at the page — resolves them: pasting the post's link
(``posted``) or confirming it is not there (``failed``, sendable again). We
chose a possible missed post, shown on the draft, over a possible double post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.release.adapters import Adapter, Published
from secondlook.release.content import ReleaseContent
from secondlook.release.errors import ChannelError, InDoubt
from secondlook.release.models import MAY_BE_ONLINE, ChannelPost, PostState
from secondlook.release.retrying import RetryPolicy

log = logging.getLogger(__name__)
_SENDABLE = (PostState.PENDING, PostState.FAILED)


def post_for(session: Session, draft_id: int, revision: int, channel: str) -> ChannelPost | None:
    return session.exec(select(ChannelPost).where(
        ChannelPost.draft_id == draft_id, ChannelPost.revision == revision,
        ChannelPost.channel == channel)).first()


def online_before(session: Session, draft_id: int, revision: int,
                  channel: str) -> ChannelPost | None:
    """The latest row of an EARLIER revision of this draft that is, or may be, on
    ``channel`` and has not been taken down: sending this revision there would post the
    draft a second time (``channel_post`` is keyed by revision)."""
    return session.exec(select(ChannelPost).where(
        ChannelPost.draft_id == draft_id, ChannelPost.channel == channel,
        col(ChannelPost.revision) < revision, col(ChannelPost.state).in_(MAY_BE_ONLINE),
        col(ChannelPost.taken_down_at).is_(None),
    ).order_by(col(ChannelPost.revision).desc())).first()


def waiting_for_answer(session: Session, draft_id: int, revision: int,
                       channel: str) -> ChannelPost | None:
    """The row a person's answer (a link, or "not online") is for: this revision's, else
    the latest earlier revision's that is still in doubt or waiting for its link."""
    row = post_for(session, draft_id, revision, channel)
    if row is not None and row.state in (PostState.IN_DOUBT, PostState.AWAITING_LINK):
        return row
    earlier = session.exec(select(ChannelPost).where(
        ChannelPost.draft_id == draft_id, ChannelPost.channel == channel,
        col(ChannelPost.revision) < revision,
        col(ChannelPost.state).in_((PostState.IN_DOUBT, PostState.AWAITING_LINK)),
    ).order_by(col(ChannelPost.revision).desc())).first()
    return earlier or row


def carry_over(db: DbEngine, content: ReleaseContent, channel: str, earlier: ChannelPost) -> None:
    """This revision is already on ``channel`` word for word (an earlier revision with the
    same text and photos was posted): record that post as this revision's, sending nothing."""
    post_id = ensure_post(db, content, channel)
    with session_scope(db) as session:
        session.exec(update(ChannelPost)  # type: ignore[call-overload]
                     .where(col(ChannelPost.id) == post_id, col(ChannelPost.state).in_(_SENDABLE))
                     .values(state=PostState.POSTED, remote_id=earlier.remote_id, url=earlier.url,
                             posted_at=earlier.posted_at, error="", retry_after=None,
                             updated_at=utcnow())
                     .execution_options(synchronize_session=False))


def ensure_post(db: DbEngine, content: ReleaseContent, channel: str,
                state: PostState = PostState.PENDING) -> int:
    """The row's id, inserting it if needed (a concurrent insert is not an error)."""
    try:
        with session_scope(db) as session:
            row = post_for(session, content.draft_id, content.revision, channel)
            if row is None:
                row = ChannelPost(draft_id=content.draft_id, revision=content.revision,
                                  channel=channel, content_sha256=content.approved_sha256,
                                  state=state, named=";".join(content.named),
                                  pictured=";".join(content.pictured))
                session.add(row)
                session.flush()
            assert row.id is not None
            return row.id
    except IntegrityError:
        with session_scope(db) as session:
            row = post_for(session, content.draft_id, content.revision, channel)
            assert row is not None and row.id is not None
            return row.id


def _claim(db: DbEngine, post_id: int, user_id: int | None, now: datetime) -> bool:
    with session_scope(db) as session:
        stmt = (
            update(ChannelPost)
            .where(col(ChannelPost.id) == post_id, col(ChannelPost.state).in_(_SENDABLE))
            .where((col(ChannelPost.retry_after).is_(None)) | (col(ChannelPost.retry_after) <= now))
            .values(state=PostState.SENDING, attempts=ChannelPost.attempts + 1, started_at=now,
                    updated_at=now, released_by_id=user_id, error="")
            .execution_options(synchronize_session=False)
        )
        return session.exec(stmt).rowcount == 1  # type: ignore[attr-defined]


def _record(db: DbEngine, post_id: int, **values: object) -> ChannelPost:
    with session_scope(db) as session:
        row = session.get(ChannelPost, post_id)
        assert row is not None
        for key, value in {**values, "updated_at": utcnow()}.items():
            setattr(row, key, value)
        session.add(row)
        session.flush()
        session.expunge(row)
        return row


def record_posted(db: DbEngine, post_id: int, published: Published) -> ChannelPost:
    return _record(db, post_id, state=PostState.POSTED, remote_id=published.remote_id,
                   url=published.url, posted_at=utcnow(), error="", retry_after=None)


def _record_failure(db: DbEngine, post_id: int, exc: ChannelError, now: datetime,
                    policy: RetryPolicy) -> ChannelPost:
    """In doubt, or failed; a failure that left nothing public gets its next try's time."""
    state = PostState.IN_DOUBT if exc.in_doubt else PostState.FAILED
    attempts = current(db, post_id).attempts
    return _record(db, post_id, state=state, error=str(exc)[:2000],
                   retry_after=policy.next_try(exc, attempts, now))


def publish(*, db: DbEngine, content: ReleaseContent, adapter: Adapter, user_id: int | None,
            now: Callable[[], datetime] = utcnow,
            policy: RetryPolicy | None = None) -> ChannelPost:
    """Send ``content`` to ``adapter.channel`` unless it is posted, in doubt or being sent,
    or its next try is not due yet. One try: nothing waits here (see ``retrying``)."""
    policy = policy or RetryPolicy()
    content.verify()
    post_id = ensure_post(db, content, adapter.channel)
    if not _claim(db, post_id, user_id, now()):
        return current(db, post_id)
    try:
        published = adapter.publish(content)
    except ChannelError as exc:
        log.warning("release of draft %s to %s: %s", content.draft_id, adapter.channel, exc)
        return _record_failure(db, post_id, exc, now(), policy)
    except Exception as exc:  # noqa: BLE001 - an unexpected answer: we cannot know the outcome
        log.exception("release of draft %s to %s", content.draft_id, adapter.channel)
        doubt = InDoubt(f"unexpected answer from {adapter.channel} ({type(exc).__name__}: "
                        f"{exc}); the post may or may not be online")
        return _record_failure(db, post_id, doubt, now(), policy)
    return record_posted(db, post_id, published)


def not_sent(db: DbEngine, content: ReleaseContent, channel: str, reason: str) -> None:
    """Record why a channel was not even tried (no credentials...); a posted row stays."""
    post_id = ensure_post(db, content, channel)
    with session_scope(db) as session:
        session.exec(update(ChannelPost)  # type: ignore[call-overload]
                     .where(col(ChannelPost.id) == post_id, col(ChannelPost.state).in_(_SENDABLE))
                     .values(state=PostState.FAILED, error=reason[:2000], updated_at=utcnow())
                     .execution_options(synchronize_session=False))


def current(db: DbEngine, post_id: int) -> ChannelPost:
    with session_scope(db) as session:
        row = session.get(ChannelPost, post_id)
        assert row is not None
        session.expunge(row)
        return row


def resolve(db: DbEngine, *, post_id: int, url: str | None, user_id: int | None) -> ChannelPost:
    """A person checked the channel: it is online at ``url``, or (None) it is not there."""
    with session_scope(db) as session:
        row = session.get(ChannelPost, post_id)
        if row is None or row.state not in (PostState.IN_DOUBT, PostState.AWAITING_LINK):
            raise ValueError(f"post record {post_id} is not waiting for a person's answer")
    if url:
        return _record(db, post_id, state=PostState.POSTED, url=url, posted_at=utcnow(),
                       released_by_id=user_id, error="")
    return _record(db, post_id, state=PostState.FAILED, released_by_id=user_id,
                   error="checked by a person: not on the channel; it can be sent again")
