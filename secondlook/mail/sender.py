"""The web server's background mail sender: every ``mail_send_seconds`` it sends what is
due in the outbox (``sending.send_due``), and once a day after ``mail_digest_hour`` (in the
school's zone) writes the digests. Several servers may run it: each mail is sent once."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.scope import use_school
from secondlook.config import Settings
from secondlook.mail.digest import write_digests
from secondlook.mail.sending import MailSettings, send_due
from secondlook.schools import for_each_school, school_ids

log = logging.getLogger(__name__)


class MailSender:
    def __init__(self, db: DbEngine, settings: Settings) -> None:
        self.db, self.settings, self.mail = db, settings, MailSettings.of(settings)
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.digest_day: object = None  # the day this process last wrote the digests

    def start(self) -> None:
        if self.settings.mail_send_seconds <= 0:
            return
        self.thread = threading.Thread(target=self._loop, name="mail-sender", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def round(self) -> None:
        self._digest_if_due()
        for result in for_each_school(self.db, lambda: send_due(db=self.db, settings=self.mail)):
            if result.sent or result.retrying or result.failed:
                log.info("mail: %s", result)

    def _loop(self) -> None:
        while not self.stopping.wait(self.settings.mail_send_seconds):
            try:
                self.round()
            except Exception:  # noqa: BLE001 - keep going; the next round may succeed
                log.exception("the mail sender's round failed")

    def _digest_if_due(self) -> None:
        hour = self.settings.mail_digest_hour
        if hour is None:
            return
        now = datetime.now(self.settings.zone())
        if now.hour < hour or self.digest_day == now.date():
            return
        for school_id in school_ids(self.db):
            with use_school(school_id), Session(self.db) as session:
                if write_digests(session=session, day=now.date()):
                    session.commit()
        self.digest_day = now.date()
