"""Background jobs behind one small interface: workflow code defers "release draft 12"
without knowing which queue runs it.

- On PostgreSQL (``secondlook serve`` with ``jobs_run = server``, or ``secondlook
  worker`` on other machines) the queue is procrastinate (``procrastinate_queue``), on
  the database we already have.
- On SQLite (the ``make run`` default) jobs are durable rows in ``job`` run by a thread of
  the server (``local``), so a killed server's jobs are picked up again on restart.
- ``jobs_run = inline`` runs each job in the process that defers it, at once (tests,
  one-off scripts): the same rows and the same task code.

``opening.open_queue`` picks the queue; ``progress`` is what a running task reports.

A task is a function in ``tasks.TASKS`` taking a ``JobContext`` and JSON arguments. A job
whose worker died is run again (``MAX_ATTEMPTS``): every task must be safe to run twice
(the release's exactly-once guarantees live in the release service, not the queue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings

MAX_ATTEMPTS = 3
STATES = ("todo", "doing", "succeeded", "failed")


class JobError(Exception):
    """A job cannot be deferred or found (an unknown task, a bad argument)."""


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: int
    task: str
    args: dict[str, Any]
    state: str  # todo, doing, succeeded, failed
    attempts: int = 0
    error: str = ""
    done: int = 0  # steps done of ``total`` (0 of 0: the task does not count its steps)
    total: int = 0

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed")


@dataclass
class JobContext:
    """What tasks need from the process that runs them."""

    db: DbEngine
    settings: Settings
    checker: Any  # secondlook.workflow.checking.Checker
    jobs: JobQueue | None = None  # to defer follow-up jobs (a channel's next try)
    extra: dict[str, Any] = field(default_factory=dict)


class JobQueue(Protocol):
    def defer(self, task: str, *, lock: str | None = None, **args: Any) -> int:
        """Queue ``task(**args)``; its job id. With ``lock``, one such job at a time."""

    def get(self, job_id: int) -> JobInfo | None: ...

    def depth(self) -> dict[str, int]:
        """How many jobs are in each state (for /metrics)."""

    def close(self) -> None: ...
