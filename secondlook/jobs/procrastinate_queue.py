"""The queue on PostgreSQL: procrastinate (jobs in ``procrastinate_jobs``, delivered with
LISTEN/NOTIFY, worker heartbeats in ``procrastinate_workers``), on the database we have.

Each procrastinate job carries the id of a ``job`` row, and its worker runs that row
(``running.run``): the row holds the state, attempts and error the pages and /metrics
read, the same on every backend, and its compare-and-set claim runs a job delivered
twice only once. A sweep, every few seconds, asks procrastinate to run again the jobs of
workers whose heartbeat stopped (killed -9), and runs rows left waiting with no
procrastinate job (the process that deferred it died in between) or left by a dead
worker. Nothing in the workflow imports procrastinate: it sees ``JobQueue``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.engine import make_url

from consent_store.models import utcnow
from secondlook.config import Settings
from secondlook.jobs import JobContext, JobInfo, periodic, running

log = logging.getLogger(__name__)
TASK = "secondlook.run_job"
_CONTEXT: JobContext | None = None  # this process's, set by the runner that works jobs
# A waiting row this old with no worker having taken it is run by the sweep.
LEFT_BEHIND = timedelta(seconds=60)


def conninfo(url: str) -> str:
    """libpq's URL for SQLAlchemy's ``postgresql+psycopg://…``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run_job(job_id: int) -> None:
    context = _CONTEXT
    if context is None:
        raise RuntimeError("this process runs no jobs (no JobContext)")
    running.run(context.db, context, job_id)


def _round_of(task: str) -> Any:
    def start_round(timestamp: int) -> None:
        """A tick of procrastinate's periodic deferrer: this round's ``job`` row, run here
        (skipped while the last round still runs)."""
        context = _CONTEXT
        if context is None:
            raise RuntimeError("this process runs no jobs (no JobContext)")
        job_id = periodic.start_round(context.db, task)
        if job_id is not None:
            running.run(context.db, context, job_id)

    start_round.__name__ = f"every_{task}"
    return start_round


def _app(connector: Any, settings: Settings | None = None) -> procrastinate.App:
    """Our one task; with ``settings`` (a worker) the periodic rounds too. A tick missed by
    more than a minute (no worker was up) is not made up: the next round does it all."""
    app = procrastinate.App(connector=connector, periodic_defaults={"max_delay": 60.0})
    app.task(name=TASK, pass_context=False)(_run_job)
    if settings is None:
        return app
    for task, seconds in periodic.every(settings).items():
        fn = app.task(name=f"secondlook.every.{task}", pass_context=False)(_round_of(task))
        app.periodic(cron=periodic.cron(seconds), periodic_id=task)(fn)
    prune = app.task(name="secondlook.prune_queue", pass_context=True)(_prune_queue)
    app.periodic(cron="17 * * * *", periodic_id="prune_queue")(prune)
    return app


async def _prune_queue(context: Any, timestamp: int) -> None:
    """Hourly: procrastinate's own rows of jobs finished over a day ago (a tick every few
    seconds adds up). They only delivered the work: the ``job`` rows keep the outcome."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=24, include_failed=True, include_cancelled=True, include_aborted=True)


class ProcrastinateQueue:
    def __init__(self, db: DbEngine, settings: Settings) -> None:
        self.db, self.url = db, conninfo(settings.resolved_database_url())
        self._app: procrastinate.App | None = None
        self._lock = threading.Lock()

    def _deferrer(self) -> procrastinate.App:
        with self._lock:
            if self._app is None:
                connector = procrastinate.SyncPsycopgConnector(conninfo=self.url, min_size=1,
                                                               max_size=4)
                self._app = _app(connector).open()
            return self._app

    def defer(self, task: str, *, lock: str | None = None, run_at: datetime | None = None,
              **args: Any) -> int:
        job_id, new = running.insert(self.db, task, args, lock, run_at)
        if new:
            self._deferrer().configure_task(TASK, schedule_at=run_at).defer(job_id=job_id)
        return job_id

    def get(self, job_id: int) -> JobInfo | None:
        return running.get(self.db, job_id)

    def depth(self) -> dict[str, int]:
        return running.depth(self.db)

    def close(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None


class ProcrastinateRunner:
    """A procrastinate worker (``concurrency`` jobs at once) and the sweep, on an event
    loop of their own in a thread: in the web server, or in ``secondlook worker``."""

    def __init__(self, context: JobContext, settings: Settings, name: str = "secondlook") -> None:
        self.context, self.settings, self.name = context, settings, name
        self.url = conninfo(settings.resolved_database_url())
        self.thread: threading.Thread | None = None
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.failed: BaseException | None = None

    def start(self) -> None:
        global _CONTEXT
        _CONTEXT = self.context
        self.thread = threading.Thread(target=self._main, name="job-worker", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if self.thread is not None:
            self.thread.join(timeout=timeout)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # noqa: BLE001 - reported by whoever runs us
            self.failed = exc
            log.exception("the job worker stopped")
        finally:
            self.ready.set()

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        stalled = self.settings.jobs_stalled_seconds
        app = _app(procrastinate.PsycopgConnector(
            conninfo=self.url, min_size=1, max_size=self.settings.jobs_concurrency + 3),
            self.settings)
        async with app.open_async():
            worker = asyncio.create_task(app.run_worker_async(
                name=self.name, concurrency=self.settings.jobs_concurrency,
                install_signal_handlers=False, listen_notify=True,
                update_heartbeat_interval=max(0.5, stalled / 3),
                stalled_worker_timeout=stalled, fetch_job_polling_interval=2.0))
            sweep = asyncio.create_task(self._sweep(app, stalled))
            self.ready.set()
            await self._stop.wait()
            sweep.cancel()
            worker.cancel()  # procrastinate stops taking jobs and waits for those running
            for task in (sweep, worker):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _sweep(self, app: procrastinate.App, stalled: float) -> None:
        while True:
            try:
                for job in await app.job_manager.get_stalled_jobs(
                        seconds_since_heartbeat=stalled):
                    log.warning("job %s: its worker stopped; running it again", job.id)
                    await app.job_manager.retry_job(job)
                await asyncio.to_thread(self._left_behind)
            except Exception:  # noqa: BLE001 - keep sweeping; the next round may succeed
                log.exception("the job sweep failed")
            await asyncio.sleep(max(1.0, stalled / 2))

    def _left_behind(self) -> None:
        db, now = self.context.db, utcnow()
        for job_id in running.next_waiting(db, now - LEFT_BEHIND):
            running.run(db, self.context, job_id)
