"""Releases whose process died (kill -9, a power cut, an out-of-memory kill).

A release that stops half-way leaves its draft ``releasing`` (no other release may
start), its channel rows perhaps ``sending`` (the post may be online), and a
scheduled release perhaps ``running``. ``recover`` runs at start-up, on every
heartbeat of the server and on every ``secondlook release due``; for each release
whose worker is gone (``workers``):

- a row left ``sending`` becomes *in doubt*: the post may be online, so it is never
  resent by the machine; a person looks and pastes its link or says it is not there;
- a draft every channel has is marked released; one that only waits for a Class
  Dojo link stays ``releasing``; any other goes back to approved, with the rows in
  doubt for a person and the channels never tried ready to be released again;
- a scheduled release left ``running`` is reset to ``waiting`` (it runs again; what
  is posted or in doubt is not resent), or closed if its draft is no longer approved.

A release in progress in a live worker is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, delete, select

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.release import workers
from secondlook.release.models import ChannelPost, PostState, ReleaseRun, ScheduledRelease
from secondlook.workflow import audit
from secondlook.workflow.drafts import end_interrupted_release
from secondlook.workflow.models import DraftRecord, DraftState
from secondlook.workflow.views import load_view

log = logging.getLogger(__name__)
INTERRUPTED = ("the release was interrupted while sending (the server stopped): the post "
               "may or may not be online; check the channel")


@dataclass(frozen=True, slots=True)
class Recovered:
    draft_id: int
    state: str  # the draft's state afterwards
    in_doubt: tuple[str, ...]  # channels a person must look at

    def __str__(self) -> str:
        doubt = f"; in doubt on {', '.join(self.in_doubt)}" if self.in_doubt else ""
        return f"draft {self.draft_id}: interrupted release recovered, now {self.state}{doubt}"


def recover(*, db: DbEngine, now: datetime | None = None) -> list[Recovered]:
    """Recover every release whose worker is gone (see the module doc)."""
    now = now or utcnow()
    with Session(db) as s:
        alive = workers.live_workers(s, now)
        runs = {r.draft_id: r.worker for r in s.exec(select(ReleaseRun))}
        releasing = list(s.exec(select(DraftRecord.id).where(
            DraftRecord.state == DraftState.RELEASING)))
        sending = set(s.exec(select(ChannelPost.draft_id).where(
            ChannelPost.state == PostState.SENDING)))
    orphans = {d for d in {*releasing, *sending, *runs} if runs.get(d) not in alive}
    done = [r for d in sorted(orphans) if (r := _recover_draft(db, d, alive)) is not None]
    _reset_schedules(db, alive, now)
    with session_scope(db) as s:
        workers.forget_dead(s, alive)
    for item in done:
        log.warning("%s", item)
    return done


def _recover_draft(db: DbEngine, draft_id: int, alive: set[str]) -> Recovered | None:
    """One draft, in one transaction: its stale run gone, rows in doubt, state moved on."""
    with session_scope(db) as s:
        run = s.get(ReleaseRun, draft_id)
        if run is not None and run.worker in alive:
            return None  # its worker came back to life since we looked
        if run is not None:
            s.delete(run)
        doubt = _in_doubt(s, draft_id)
        draft = s.get(DraftRecord, draft_id)
        if draft is None or draft.state != DraftState.RELEASING:
            state = draft.state if draft is not None else "unknown"
            return Recovered(draft_id, str(state), doubt) if doubt else None
        view = load_view(s, draft_id)
        posts = {p.channel: p for p in s.exec(select(ChannelPost).where(
            ChannelPost.draft_id == draft_id, ChannelPost.revision == view.revision.number))}
        states = [posts[c].state if c in posts else PostState.PENDING for c in view.channels]
        if all(st == PostState.POSTED for st in states):
            end_interrupted_release(session=s, draft_id=draft_id, released=True,
                                    note="every channel had the post when the release was "
                                         "interrupted",
                                    links={c: posts[c].url for c in view.channels})
        elif all(st in (PostState.POSTED, PostState.AWAITING_LINK) for st in states):
            return None  # waiting for a person to paste the Class Dojo link: not stuck
        else:
            _audit(s, view.id, view.revision.number, view.content_sha256, posts)
            end_interrupted_release(session=s, draft_id=draft_id, released=False,
                                    note=INTERRUPTED if doubt else
                                    "the release was interrupted before these channels "
                                    "were sent: release it again")
        return Recovered(draft_id, str(load_view(s, draft_id).draft.state), doubt)


def _in_doubt(s: Session, draft_id: int) -> tuple[str, ...]:
    """Rows of this draft left ``sending``: in doubt (any revision)."""
    rows = list(s.exec(select(ChannelPost).where(
        ChannelPost.draft_id == draft_id, ChannelPost.state == PostState.SENDING)))
    for row in rows:
        row.state, row.error, row.updated_at = PostState.IN_DOUBT, INTERRUPTED, utcnow()
        s.add(row)
    s.flush()
    return tuple(sorted(r.channel for r in rows))


def _audit(s: Session, draft_id: int, revision: int, sha: str,
           posts: dict[str, ChannelPost]) -> None:
    audit.append(session=s, actor=None, action="channels", draft_id=draft_id,
                 revision=revision, content_sha256=sha,
                 detail={"channels": {c: {"state": p.state, "url": p.url,
                                          "error": p.error[:300], "attempts": p.attempts}
                                      for c, p in posts.items()}})


def _reset_schedules(db: DbEngine, alive: set[str], now: datetime) -> None:
    with session_scope(db) as s:
        stuck = s.exec(select(ScheduledRelease).where(
            ScheduledRelease.state == "running", col(ScheduledRelease.worker).not_in(
                sorted(alive))))
        for row in stuck:
            draft = s.get(DraftRecord, row.draft_id)
            state = draft.state if draft is not None else "gone"
            if state == DraftState.APPROVED:
                row.state, row.note = "waiting", "reset: its release was interrupted"
            else:
                row.state = "done" if state == DraftState.RELEASED else "failed"
                row.note = f"interrupted; the draft is {state}"
            row.worker, row.updated_at = "", now
            s.add(row)


def end_run(db: DbEngine, draft_id: int) -> None:
    """The release of ``draft_id`` by this process is over (done or handed back)."""
    with session_scope(db) as s:
        s.exec(delete(ReleaseRun).where(col(ReleaseRun.draft_id) == draft_id,  # type: ignore[call-overload]
                                        col(ReleaseRun.worker) == workers.this_worker().id))

