"""A job's row as the pages see it, and what a running task reports of its progress.

Apart from ``running`` (which runs tasks, so imports them) so that a task can report
without importing the code that runs it.
"""

from __future__ import annotations

import json
from contextvars import ContextVar

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, select, update

from consent_store.db import session_scope
from secondlook.jobs import JobInfo
from secondlook.jobs.models import Job

# The job this thread is running (set by ``running.run``): its database and id.
CURRENT: ContextVar[tuple[DbEngine, int] | None] = ContextVar("current_job", default=None)


def info(row: Job) -> JobInfo:
    assert row.id is not None
    return JobInfo(row.id, row.task, json.loads(row.args), row.state, row.attempts, row.error,
                   row.progress_done, row.progress_total)


def get(db: DbEngine, job_id: int) -> JobInfo | None:
    with Session(db) as s:
        row = s.get(Job, job_id)
        return info(row) if row is not None else None


def report_progress(done: int, total: int) -> None:
    """The running task has done ``done`` of its ``total`` steps (the page shows it);
    nothing outside a job."""
    current = CURRENT.get()
    if current is None:
        return
    db, job_id = current
    with session_scope(db) as s:
        s.exec(update(Job).where(col(Job.id) == job_id)  # type: ignore[call-overload]
               .values(progress_done=done, progress_total=total)
               .execution_options(synchronize_session=False))


def latest(db: DbEngine, lock: str) -> JobInfo | None:
    """The newest job deferred with this lock, whatever its state."""
    with Session(db) as s:
        row = s.exec(select(Job).where(Job.lock == lock).order_by(col(Job.id).desc())).first()
        return info(row) if row is not None else None
