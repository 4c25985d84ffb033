"""Release at a set time: ``schedule`` records it, ``run_due`` (from ``secondlook
release due``, run every minute by cron or a systemd timer) releases what is due
and expires old approvals."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, select, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.config import Settings
from secondlook.release.models import ScheduledRelease
from secondlook.release.retrying import RetryPolicy
from secondlook.release.service import ReleaseOutcome, release_draft
from secondlook.workflow import rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import InvalidContent
from secondlook.workflow.expiry import expire_approvals
from secondlook.workflow.models import DraftState
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
                .values(state="running", updated_at=now)
                .execution_options(synchronize_session=False))
        return s.exec(stmt).rowcount == 1  # type: ignore[call-overload, attr-defined]


def _releaser(db: DbEngine, user_id: int) -> User:
    with session_scope(db) as s:
        user = s.get(User, user_id)
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
        s.add(stored)
    return result


def run_due(*, db: DbEngine, settings: Settings, checker: Checker,
            now: datetime | None = None, client: httpx.Client | None = None,
            policy: RetryPolicy | None = None) -> list[ReleaseOutcome | str]:
    """Expire old approvals, then release every scheduled draft whose time has come."""
    now = now or utcnow()
    with session_scope(db) as s:
        expire_approvals(session=s, max_age=timedelta(days=settings.approval_max_age_days),
                         now=now)
    with session_scope(db) as s:
        rows = due(session=s, now=now)
        for row in rows:
            s.expunge(row)
    return [_run_one(db, row, settings, now, client, policy, checker) for row in rows
            if _take(db, row.draft_id, now)]
