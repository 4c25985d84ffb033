"""Runs ``scheduling.run_due`` every ``release_scheduler_seconds`` inside the web server,
so scheduled releases and approval expiry work without cron (0 turns it off, e.g.
when ``secondlook release due`` runs from a timer instead). Several servers may
poll at once: each schedule is taken by one of them only."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings
from secondlook.workflow.checking import Checker

log = logging.getLogger(__name__)


class DueReleaser:
    def __init__(self, db: DbEngine, settings: Settings, checker: Checker) -> None:
        self.db, self.settings, self.checker = db, settings, checker
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.settings.release_scheduler_seconds <= 0:
            return
        self.thread = threading.Thread(target=self._loop, name="due-releaser", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _loop(self) -> None:
        from secondlook.release.scheduling import run_due

        while not self.stopping.wait(self.settings.release_scheduler_seconds):
            try:
                for result in run_due(db=self.db, settings=self.settings, checker=self.checker):
                    log.info("scheduled release: %s", result)
            except Exception:  # noqa: BLE001 - keep polling; the next round may succeed
                log.exception("scheduled releases could not run")
