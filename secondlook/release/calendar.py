"""The calendar of posts: scheduled, released, and schedules that failed, in a period.

One entry per post and moment: a post scheduled for Friday is on Friday; once released,
on the day it went out. Authors see their own scheduled posts and everything released (it
is public); reviewers and admins see every post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from secondlook.accounts.models import Role, User
from secondlook.release.models import ScheduledRelease
from secondlook.workflow.models import DraftRecord, DraftState, Revision
from secondlook.workflow.queues import TITLE_CHARS

KINDS = ("scheduled", "released", "failed")
SEES_ALL = frozenset({Role.APPROVER, Role.HEADTEACHER, Role.DSL, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    draft_id: int
    at: datetime
    kind: str  # one of KINDS
    title: str
    channels: tuple[str, ...]
    author: str
    note: str = ""  # why a scheduled release failed


def _columns() -> tuple[Any, ...]:
    return (DraftRecord.id, func.substr(Revision.text, 1, TITLE_CHARS * 2), Revision.channels,
            User.display_name)


def _joined(query: Any) -> Any:
    return (query.join(Revision, and_(col(Revision.draft_id) == DraftRecord.id,
                                      col(Revision.number) == DraftRecord.current_revision))
            .join(User, col(User.id) == DraftRecord.author_id))


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def _entry(row: Any, at: datetime, kind: str, note: str = "") -> CalendarEntry:
    return CalendarEntry(draft_id=row[0], at=at, kind=kind, title=_title(row[1]) or "(photos)",
                         channels=tuple(c for c in row[2].split(";") if c), author=row[3],
                         note=note)


def _scheduled(session: Session, start: datetime, end: datetime, kinds: set[str],
               user: User) -> list[CalendarEntry]:
    states = [s for s, k in (("waiting", "scheduled"), ("running", "scheduled"),
                             ("failed", "failed")) if k in kinds]
    if not states:
        return []
    query = _joined(select(*_columns(), ScheduledRelease.release_at, ScheduledRelease.state,
                           ScheduledRelease.note)
                    .join(DraftRecord, col(DraftRecord.id) == ScheduledRelease.draft_id)).where(
        col(ScheduledRelease.state).in_(states), col(ScheduledRelease.release_at) >= start,
        col(ScheduledRelease.release_at) < end, col(DraftRecord.state) != DraftState.DELETED)
    if not user.role_set() & SEES_ALL:
        query = query.where(col(DraftRecord.author_id) == user.id)
    return [_entry(r, r[4], "failed" if r[5] == "failed" else "scheduled", r[6] or "")
            for r in session.execute(query)]


def _released(session: Session, start: datetime, end: datetime) -> list[CalendarEntry]:
    query = _joined(select(*_columns(), DraftRecord.released_at)).where(
        col(DraftRecord.released_at).is_not(None), col(DraftRecord.released_at) >= start,
        col(DraftRecord.released_at) < end)
    return [_entry(r, r[4], "released") for r in session.execute(query)]


def calendar_entries(*, session: Session, user: User, start: datetime, end: datetime,
                     kinds: set[str] | None = None) -> list[CalendarEntry]:
    """Entries with ``start <= at < end`` of the given kinds (all by default), in time order."""
    kinds = set(KINDS) if kinds is None else kinds & set(KINDS)
    entries = _scheduled(session, start, end, kinds, user)
    if "released" in kinds:
        entries += _released(session, start, end)
    return sorted(entries, key=lambda e: (e.at, e.draft_id))
