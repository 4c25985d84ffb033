"""Release at a set time, and try again what a channel refused for now.

``schedule`` records a release time, and the page queues a job for that moment
(``SCHEDULED_TASK``: ``run_scheduled`` then releases it, on whichever worker takes it).
``run_due`` (the periodic ``due_releases`` job, or ``secondlook release due`` from cron)
expires old approvals, releases what is due and has not gone yet (a schedule whose job
was lost), and retries every channel whose failure left nothing public and whose
recorded retry time has come (a rate limit, no connection): the person's request never
waits for those (see ``retrying``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, select, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.config import Settings
from secondlook.release import workers
from secondlook.release.models import ChannelPost, PostState, ScheduledRelease
from secondlook.release.recovery import Recovered, recover
from secondlook.release.retrying import RetryPolicy
from secondlook.release.service import ReleaseOutcome, release_draft
from secondlook.workflow import rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import Conflict, InvalidContent, StaleReport
from secondlook.workflow.expiry import expire_approvals
from secondlook.workflow.models import DraftRecord, DraftState
from secondlook.workflow.views import load_view


def schedule(*, session: Session, draft_id: int, user: User, at: datetime,
             now: datetime | None = None) -> ScheduledRelease:
    """Release draft ``draft_id`` at ``at`` (UTC-aware), as ``user``; replaces a schedule."""
    now = now or utcnow()
    rules.can_release(user, load_view(session, draft_id), {DraftState.APPROVED})
    if at.tzinfo is None:
        raise InvalidContent("give the release time with its time zone (e.g. 2026-12-01T08:30Z)")
    if at <= now:
        raise InvalidContent(f"{at:%Y-%m-%d %H:%M} UTC is in the past: choose a later time")
    assert user.id is not None
    row = session.get(ScheduledRelease, draft_id) or ScheduledRelease(
        draft_id=draft_id, release_at=at, scheduled_by_id=user.id)
    row.release_at, row.scheduled_by_id, row.state, row.note = at, user.id, "waiting", ""
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


SCHEDULED_TASK = "release_scheduled"  # the job at a schedule's time: ``run_scheduled``


def scheduled_lock(draft_id: int, at: datetime) -> str:
    """The lock of the job releasing ``draft_id`` at ``at``: it names the time, so a new
    time queues a new job and the old one finds nothing to do."""
    return f"scheduled-{draft_id}-{int(at.timestamp())}"


def run_scheduled(*, db: DbEngine, draft_id: int, settings: Settings, checker: Checker,
                  now: datetime | None = None) -> ReleaseOutcome | str | None:
    """Release ``draft_id`` if its schedule is waiting and due (the job at its time); None
    when there is nothing to do (cancelled, moved later, released by another worker)."""
    now = now or utcnow()
    with Session(db) as s:
        row = s.exec(select(ScheduledRelease).where(
            ScheduledRelease.draft_id == draft_id, ScheduledRelease.state == "waiting",
            col(ScheduledRelease.release_at) <= now)).first()
        if row is None:
            return None
        s.expunge(row)
    if not _take(db, draft_id, now):
        return None
    return _run_one(db, row, settings, now, None, None, checker)


def cancel(*, session: Session, draft_id: int, user: User) -> None:
    rules.can_release(user, load_view(session, draft_id), {DraftState.APPROVED})
    row = session.get(ScheduledRelease, draft_id)
    if row is not None and row.state == "waiting":
        row.state, row.updated_at = "cancelled", utcnow()
        session.add(row)


def due(*, session: Session, now: datetime) -> list[ScheduledRelease]:
    return list(session.exec(select(ScheduledRelease).where(
        ScheduledRelease.state == "waiting", col(ScheduledRelease.release_at) <= now)
        .order_by(col(ScheduledRelease.release_at))))


def _take(db: DbEngine, draft_id: int, now: datetime) -> bool:
    """Only one process runs a given schedule, however many servers poll at once."""
    with session_scope(db) as s:
        stmt = (update(ScheduledRelease)
                .where(col(ScheduledRelease.draft_id) == draft_id,
                       col(ScheduledRelease.state) == "waiting")
                .values(state="running", worker=workers.this_worker().id, updated_at=now)
                .execution_options(synchronize_session=False))
        return s.exec(stmt).rowcount == 1  # type: ignore[call-overload, attr-defined]


def _releaser(db: DbEngine, user_id: int | None) -> User:
    with session_scope(db) as s:
        user = s.get(User, user_id) if user_id is not None else None
        if user is None:
            raise LookupError("the account that scheduled it no longer exists")
        s.expunge(user)
        return user


def _run_one(db: DbEngine, row: ScheduledRelease, settings: Settings, now: datetime,
             client: httpx.Client | None, policy: RetryPolicy | None,
             checker: Checker) -> ReleaseOutcome | str:
    result: ReleaseOutcome | str
    try:
        user = _releaser(db, row.scheduled_by_id)
        result = release_draft(db=db, draft_id=row.draft_id, user=user, settings=settings,
                               checker=checker, client=client, policy=policy, now=now)
        state, note = "done", f"released: draft is {result.state}"
    except Exception as exc:  # noqa: BLE001 - one draft's failure must not stop the others
        result = f"draft {row.draft_id}: {exc}"
        state, note = "failed", str(exc)[:2000]
    with session_scope(db) as s:
        stored = s.get(ScheduledRelease, row.draft_id)
        assert stored is not None
        stored.state, stored.note, stored.updated_at = state, note, utcnow()
        stored.worker = ""
        s.add(stored)
    return result


def retries_due(*, session: Session, now: datetime) -> list[tuple[int, int | None]]:
    """(draft, who released it) for approved drafts with a channel due to be tried again."""
    rows = session.exec(
        select(ChannelPost.draft_id, ChannelPost.released_by_id)
        .join(DraftRecord, (col(DraftRecord.id) == ChannelPost.draft_id)
              & (col(DraftRecord.current_revision) == ChannelPost.revision))
        .where(col(ChannelPost.state) == PostState.FAILED,
               col(ChannelPost.retry_after).is_not(None), col(ChannelPost.retry_after) <= now,
               col(DraftRecord.state) == DraftState.APPROVED)
        .order_by(col(ChannelPost.retry_after)))
    due_now: dict[int, int | None] = {}
    for draft_id, user_id in rows:
        due_now.setdefault(draft_id, user_id)  # the earliest due channel's releaser
    return list(due_now.items())


def _stop_retrying(db: DbEngine, draft_id: int, reason: str) -> None:
    """A retry that cannot happen (approval expired, consent changed...) is not tried again."""
    with session_scope(db) as s:
        for row in s.exec(select(ChannelPost).where(
                ChannelPost.draft_id == draft_id, ChannelPost.state == PostState.FAILED,
                col(ChannelPost.retry_after).is_not(None))):
            row.retry_after = None
            row.error = f"{row.error} — not tried again: {reason}"[:2000]
            s.add(row)


def _retry_one(db: DbEngine, draft_id: int, user_id: int | None, settings: Settings,
               now: datetime, client: httpx.Client | None, policy: RetryPolicy | None,
               checker: Checker) -> ReleaseOutcome | str | None:
    try:
        user = _releaser(db, user_id)
        return release_draft(db=db, draft_id=draft_id, user=user, settings=settings,
                             checker=checker, client=client, policy=policy, now=now)
    except StaleReport as exc:
        _stop_retrying(db, draft_id, str(exc))
        return f"draft {draft_id}: not tried again: {exc}"
    except Conflict:  # someone is releasing it right now: the next round looks again
        return None
    except Exception as exc:  # noqa: BLE001 - one draft's failure must not stop the others
        _stop_retrying(db, draft_id, str(exc))
        return f"draft {draft_id}: not tried again: {exc}"


def retry_draft(*, db: DbEngine, draft_id: int, user_id: int | None, settings: Settings,
                checker: Checker, now: datetime) -> ReleaseOutcome | str | None:
    """Try again this draft's channels whose retry time has come (a job at that time);
    None when none is due now or someone is releasing it; a string when it cannot be."""
    with Session(db) as s:
        if draft_id not in dict(retries_due(session=s, now=now)):
            return None
    return _retry_one(db, draft_id, user_id, settings, now, None, None, checker)


def run_due(*, db: DbEngine, settings: Settings, checker: Checker,
            now: datetime | None = None, client: httpx.Client | None = None,
            policy: RetryPolicy | None = None) -> list[ReleaseOutcome | Recovered | str]:
    """Recover releases whose process died, expire old approvals, release every scheduled
    draft whose time has come, and try again the channels whose retry time has come."""
    now = now or utcnow()
    workers.beat(db, now)
    results: list[ReleaseOutcome | Recovered | str] = list(recover(db=db, now=now))
    with session_scope(db) as s:
        expire_approvals(session=s, max_age=timedelta(days=settings.approval_max_age_days),
                         now=now)
    with session_scope(db) as s:
        rows = due(session=s, now=now)
        for row in rows:
            s.expunge(row)
    results += [_run_one(db, row, settings, now, client, policy, checker) for row in rows
                if _take(db, row.draft_id, now)]
    with Session(db) as s:
        retries = retries_due(session=s, now=now)
    for draft_id, user_id in retries:
        result = _retry_one(db, draft_id, user_id, settings, now, client, policy, checker)
        if result is not None:
            results.append(result)
    return results
