"""One round of the mail sender, run as the periodic ``send_mail`` job (every
``mail_send_seconds``, see ``secondlook.jobs.periodic``): once a day after
``mail_digest_hour`` (in the school's zone) the digests, then what is due in the outbox,
school by school. Several workers may run rounds: each mail is sent once (``sending``)
and each person gets one digest a day (``digest``)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.scope import use_school
from secondlook.config import Settings
from secondlook.mail.digest import write_digests
from secondlook.mail.sending import MailSettings, SendResult, send_due
from secondlook.schools import for_each_school, school_ids

log = logging.getLogger(__name__)
# The day this process last wrote each school's digests: only spares the queries, the
# outbox's unique key is what keeps a digest to one a day.
_DIGESTED: dict[tuple[str, int], date] = {}


def mail_round(db: DbEngine, settings: Settings, now: datetime | None = None) -> list[SendResult]:
    """Digests if their hour has come, then the outbox; what each school's sending did."""
    _digest_if_due(db, settings, now)
    mail = MailSettings.of(settings)
    results = list(for_each_school(db, lambda: send_due(db=db, settings=mail)))
    for result in results:
        if result.sent or result.retrying or result.failed:
            log.info("mail: %s", result)
    return results


def _digest_if_due(db: DbEngine, settings: Settings, now: datetime | None) -> None:
    hour = settings.mail_digest_hour
    if hour is None:
        return
    now = now or datetime.now(settings.zone())
    if now.hour < hour:
        return
    for school_id in school_ids(db):
        key = (str(db.url), school_id)
        if _DIGESTED.get(key) == now.date():
            continue
        with use_school(school_id), Session(db) as session:
            if write_digests(session=session, day=now.date()):
                session.commit()
        _DIGESTED[key] = now.date()
