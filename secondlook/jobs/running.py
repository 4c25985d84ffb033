"""Running one job from its ``job`` row, whichever queue delivered it.

``claim`` is a compare-and-set: a job is taken when it is waiting, or when it is marked
as being done by a worker that is gone (killed -9, a power cut: ``release.workers``
tells from its heartbeat and, on this host, from its pid). Only one process wins, so a
job delivered twice (procrastinate retrying a stalled job, two local runners) runs once
at a time; a job whose worker died is run again, up to ``MAX_ATTEMPTS`` tries, then
marked failed with that reason. Every task must therefore be safe to run again.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, func, select, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from consent_store.scope import current_scope, use_school
from secondlook.jobs import MAX_ATTEMPTS, STATES, JobContext, JobError, JobInfo
from secondlook.jobs.models import Job
from secondlook.jobs.progress import CURRENT, get, info, latest, report_progress
from secondlook.release import workers

log = logging.getLogger(__name__)

__all__ = ["claim", "depth", "get", "info", "insert", "latest", "next_waiting", "report_progress",
           "run"]


def insert(db: DbEngine, task: str, args: dict[str, Any], lock: str | None,
           run_at: datetime | None = None) -> tuple[int, bool]:
    """The job's id, and whether it is new (False: one with this lock is waiting or
    running already, and that one's id is returned)."""
    from secondlook.jobs.tasks import TASKS

    if task not in TASKS:
        raise JobError(f"no such job: {task!r} (known: {', '.join(sorted(TASKS))})")
    try:
        scope = current_scope()  # the job runs for the school it was deferred for
        school = {SCHOOL_ARG: scope} if isinstance(scope, int) else {}
        payload = json.dumps({**args, **school}, sort_keys=True)
    except TypeError as exc:
        raise JobError(f"job {task}: its arguments must be JSON values ({exc})") from exc
    with session_scope(db) as s:
        if lock is not None:
            waiting = s.exec(select(Job).where(Job.lock == lock,
                                               col(Job.state).in_(("todo", "doing")))).first()
            if waiting is not None and waiting.id is not None:
                return waiting.id, False
        row = Job(task=task, args=payload, lock=lock, run_at=run_at or utcnow())
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id, True


# The job table is global (machinery, like release_worker); each job carries its school.
SCHOOL_ARG = "_school"


def depth(db: DbEngine) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATES, 0)
    for (_, state), n in by_task(db).items():
        counts[state] = counts.get(state, 0) + n
    return counts


def by_task(db: DbEngine) -> dict[tuple[str, str], int]:
    """How many jobs of each task are in each state (queue depth and outcomes)."""
    from secondlook.jobs.tasks import TASKS

    with Session(db) as s:
        rows = s.exec(select(Job.task, Job.state, func.count())
                      .group_by(Job.task, Job.state)).all()
    counts = {(task, state): 0 for task in TASKS for state in STATES}
    counts.update({(task, state): int(n) for task, state, n in rows})
    return counts


def _orphans(s: Session, now: datetime) -> list[int]:
    alive = workers.live_workers(s, now)
    rows = s.exec(select(Job).where(Job.state == "doing")).all()
    return [r.id for r in rows if r.id is not None and r.worker not in alive]


def claim(db: DbEngine, job_id: int, now: datetime | None = None) -> bool:
    """Take this job for this process (see module doc)."""
    now = now or utcnow()
    me = workers.this_worker().id
    workers.beat(db, now)  # registered as alive before it holds anything
    with session_scope(db) as s:
        row = s.get(Job, job_id)
        if row is None:
            return False
        if row.state == "doing" and job_id in _orphans(s, now):
            if row.attempts >= MAX_ATTEMPTS:
                s.exec(update(Job).where(col(Job.id) == job_id, col(Job.state) == "doing",  # type: ignore[call-overload]
                                         col(Job.worker) == row.worker)
                       .values(state="failed", finished_at=now,
                               error=f"its worker stopped {row.attempts} times while running "
                                     "it; not tried again"))
                return False
            stmt = update(Job).where(col(Job.id) == job_id, col(Job.state) == "doing",
                                     col(Job.worker) == row.worker)
        elif row.state == "todo":
            stmt = update(Job).where(col(Job.id) == job_id, col(Job.state) == "todo")
        else:
            return False
        done = s.exec(stmt.values(state="doing", worker=me, attempts=Job.attempts + 1,  # type: ignore[call-overload]
                                  started_at=now).execution_options(synchronize_session=False))
        return bool(done.rowcount == 1)


def next_waiting(db: DbEngine, now: datetime | None = None) -> list[int]:
    """Jobs a local runner may take now: due and waiting, or left by a dead worker."""
    now = now or utcnow()
    with Session(db) as s:
        due = s.exec(select(Job.id).where(Job.state == "todo", col(Job.run_at) <= now)
                     .order_by(col(Job.run_at), col(Job.id)).limit(20)).all()
        return [i for i in due if i is not None] + _orphans(s, now)


def _finish(db: DbEngine, job_id: int, state: str, error: str = "") -> None:
    me = workers.this_worker().id
    with session_scope(db) as s:
        s.exec(update(Job).where(col(Job.id) == job_id, col(Job.worker) == me)  # type: ignore[call-overload]
               .values(state=state, error=error[:4000], finished_at=utcnow())
               .execution_options(synchronize_session=False))


def run(db: DbEngine, context: JobContext, job_id: int) -> JobInfo | None:
    """Claim and run one job; its row afterwards (None: someone else has it, or it is
    finished). A task's exception marks the job failed with its message."""
    from secondlook.jobs.tasks import TASKS

    if not claim(db, job_id):
        return None
    job = get(db, job_id)
    assert job is not None
    args = dict(job.args)
    school = args.pop(SCHOOL_ARG, None)
    running = CURRENT.set((db, job_id))
    try:
        with use_school(school) if isinstance(school, int) else nullcontext():
            TASKS[job.task](context, **args)
    except Exception as exc:  # noqa: BLE001 - the job records it; the page shows it
        log.warning("job %s (%s) failed: %s", job_id, job.task, exc)
        _finish(db, job_id, "failed", str(exc) or type(exc).__name__)
    else:
        _finish(db, job_id, "succeeded")
    finally:
        CURRENT.reset(running)
    return get(db, job_id)
