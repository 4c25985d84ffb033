"""The web server's background releaser.

Always: this process's heartbeat as a release worker, and on start-up and every
beat the recovery of releases whose process died (``recovery``), so a draft is
never left in ``releasing`` by a killed server. Every ``release_scheduler_seconds``
(0 turns this part off, e.g. when ``secondlook release due`` runs from a timer):
``scheduling.run_due``, which releases scheduled posts, tries again the channels
whose retry time has come and expires old approvals. Several servers may run at
once: each schedule and each release is taken by one of them only.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings
from secondlook.release.recovery import recover
from secondlook.release.workers import HEARTBEAT_SECONDS, Heartbeat
from secondlook.schools import for_each_school
from secondlook.workflow.checking import Checker

log = logging.getLogger(__name__)


def _recover_every_school(db: DbEngine) -> None:
    for _ in for_each_school(db, lambda: recover(db=db)):
        pass


class DueReleaser:
    def __init__(self, db: DbEngine, settings: Settings, checker: Checker,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.db, self.settings, self.checker = db, settings, checker
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.heartbeat = Heartbeat(db, each_beat=lambda: _recover_every_school(db),
                                   seconds=heartbeat_seconds)

    def start(self) -> None:
        self.heartbeat.start()  # registers, and recovers at once, before anything is served
        if self.settings.release_scheduler_seconds <= 0:
            return
        self.thread = threading.Thread(target=self._loop, name="due-releaser", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.heartbeat.stop()

    def _loop(self) -> None:
        from secondlook.release.scheduling import run_due

        while not self.stopping.wait(self.settings.release_scheduler_seconds):
            try:
                rounds = for_each_school(self.db, lambda: run_due(
                    db=self.db, settings=self.settings, checker=self.checker))
                for results in rounds:
                    for result in results:
                        log.info("background release: %s", result)
            except Exception:  # noqa: BLE001 - keep polling; the next round may succeed
                log.exception("scheduled releases could not run")
