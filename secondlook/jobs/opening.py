"""Which queue these settings use (see the package doc), opened for a server, a worker or
a script."""

from __future__ import annotations

from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings
from secondlook.jobs import JobContext, JobQueue


def uses_procrastinate(settings: Settings) -> bool:
    return (settings.resolved_database_url().startswith("postgresql")
            and settings.jobs_run != "inline")


def open_queue(db: DbEngine, settings: Settings, context: JobContext | None = None) -> JobQueue:
    """The queue for these settings (see module doc). ``context`` runs inline jobs."""
    if uses_procrastinate(settings):
        from secondlook.jobs.procrastinate_queue import ProcrastinateQueue

        pg = ProcrastinateQueue(db, settings)
        if context is not None:
            context.jobs = pg
        return pg
    from secondlook.jobs.local import LocalQueue

    queue = LocalQueue(db, context if settings.jobs_run == "inline" else None)
    if context is not None:
        context.jobs = queue
    return queue
