"""The in-process queue: ``job`` rows, run by threads of the server (SQLite, the single
machine default) or at once by the process that defers them (``jobs_run = inline``).

A killed server's jobs are durable rows: on restart its runner finds them marked as
being done by a process that no longer exists and runs them again (``running.claim``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine as DbEngine

from secondlook.jobs import JobContext, JobInfo, periodic, running

log = logging.getLogger(__name__)
_WAKE = threading.Event()  # a job was deferred in this process: runners look at once


class LocalQueue:
    def __init__(self, db: DbEngine, inline: JobContext | None = None) -> None:
        self.db, self.inline = db, inline

    def defer(self, task: str, *, lock: str | None = None, run_at: datetime | None = None,
              **args: Any) -> int:
        job_id, new = running.insert(self.db, task, args, lock, run_at)
        if new and self.inline is not None and run_at is None:
            running.run(self.db, self.inline, job_id)
        else:
            _WAKE.set()
        return job_id

    def get(self, job_id: int) -> JobInfo | None:
        return running.get(self.db, job_id)

    def depth(self) -> dict[str, int]:
        return running.depth(self.db)

    def close(self) -> None:
        pass


class LocalRunner:
    """``threads`` threads that run due jobs, looking every ``poll_seconds`` (at once
    when this process defers one), and one that queues the periodic rounds
    (``periodic``) when theirs come, the first ones at once."""

    def __init__(self, db: DbEngine, context: JobContext, threads: int = 2,
                 poll_seconds: float = 1.0) -> None:
        self.db, self.context, self.poll = db, context, poll_seconds
        self.every = periodic.every(context.settings)
        self.round_poll = min([poll_seconds, *self.every.values()])
        self.next_round = dict.fromkeys(self.every, 0.0)  # time.monotonic() of each
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._loop, name=f"jobs-{i}", daemon=True)
                        for i in range(max(1, threads))]
        if self.every:
            self.threads.append(threading.Thread(target=self._rounds, name="job-rounds",
                                                 daemon=True))

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; wait for those running (a job cut short is run again)."""
        self.stopping.set()
        _WAKE.set()
        for t in self.threads:
            if t.is_alive():
                t.join(timeout=timeout)

    def work_once(self) -> int:
        """Run what is due now; how many jobs this call ran."""
        ran = 0
        for job_id in running.next_waiting(self.db):
            if self.stopping.is_set():
                break
            if running.run(self.db, self.context, job_id) is not None:
                ran += 1
        return ran

    def start_rounds(self) -> int:
        """Queue the periodic rounds whose time has come; how many were queued."""
        now, started = time.monotonic(), 0
        for task, seconds in self.every.items():
            if now >= self.next_round[task]:
                self.next_round[task] = now + seconds
                if periodic.start_round(self.db, task) is not None:
                    started += 1
        return started

    def _rounds(self) -> None:
        while not self.stopping.is_set():
            try:
                if self.start_rounds():
                    _WAKE.set()
            except Exception:  # noqa: BLE001 - the database may be away; try again soon
                log.exception("the periodic rounds could not be queued")
            self.stopping.wait(self.round_poll)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = self.work_once()
            except Exception:  # noqa: BLE001 - keep running; the next round may succeed
                log.exception("the job runner's round failed")
                ran = 0
            if not ran:
                _WAKE.wait(self.poll)
                _WAKE.clear()
