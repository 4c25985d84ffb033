"""Jobs that come round by themselves: the background rounds, as jobs on the queue.

- ``due_releases`` (every ``release_scheduler_seconds``): recover releases whose process
  died, expire old approvals, release scheduled posts whose time has come (each schedule
  also has a job of its own at its time: this round catches any whose job was lost) and
  try again channels whose retry time has come; school by school.
- ``send_mail`` (every ``mail_send_seconds``): the daily digests when their hour has come,
  and what is due in the outbox; school by school.
- ``prune_jobs`` (hourly): finished jobs older than ``jobs_kept_days`` are deleted, and
  finished rounds older than a day.

A period of 0 turns that round off (``secondlook release due`` / ``mail send`` from a
timer instead). On PostgreSQL procrastinate's periodic tasks start them (each tick is
deferred once, whichever worker sees it first: a unique key in its own table); on SQLite
the server's job runner does. Either way a round is a ``job`` row with the lock
``every-<task>``: one at a time, and a round a killed worker left is run again.
"""

from __future__ import annotations

import math

from sqlalchemy.engine import Engine as DbEngine

from consent_store.scope import all_schools
from secondlook.config import Settings

PRUNE_SECONDS = 3600.0


def every(settings: Settings) -> dict[str, float]:
    """Each periodic task and its period in seconds (those turned on)."""
    periods = {"due_releases": float(settings.release_scheduler_seconds),
               # no relay, nothing to send: no rounds (the outbox keeps what is queued)
               "send_mail": float(settings.mail_send_seconds) if settings.smtp_host else 0.0,
               "prune_jobs": PRUNE_SECONDS if settings.jobs_kept_days > 0 else 0.0}
    return {task: seconds for task, seconds in periods.items() if seconds > 0}


def lock_for(task: str) -> str:
    return f"every-{task}"


def cron(seconds: float) -> str:
    """A cron line (procrastinate's, seconds as a sixth column) firing about every
    ``seconds``: under a minute in seconds, then in whole minutes, then in hours."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"* * * * * */{whole}"
    if whole < 3600:
        return f"*/{min(59, whole // 60)} * * * *"
    return f"0 */{min(23, whole // 3600)} * * *"


def start_round(db: DbEngine, task: str) -> int | None:
    """The job row of a new round of ``task``; None while one waits or runs already."""
    from secondlook.jobs import running

    with all_schools():  # a round is for every school: it visits them one by one
        job_id, new = running.insert(db, task, {}, lock_for(task))
    return job_id if new else None
