"""Sending the outbox through the school's SMTP relay (standard library ``smtplib``).

``send_due`` takes the mails whose time has come, one at a time with a compare-and-set
(several servers may run it at once: each mail is tried by one of them), and hands each
to the relay. A mail the relay accepted is ``sent``; a temporary failure (no connection,
a 4xx answer, a time-out) waits 60 s, then twice as long each time up to an hour, and
after ``max_attempts`` the mail is ``failed``; a recipient the relay refuses for good
(5xx) fails at once. Nothing here raises to its caller: the workflow never waits for mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, select, update

from consent_store.models import utcnow
from secondlook.config import Settings
from secondlook.mail.models import MailState, OutboxMail

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # a claimed mail is not taken again by another server before


@dataclass(frozen=True, slots=True)
class MailSettings:
    host: str | None
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    base_url: str
    timeout: float = 20.0
    max_attempts: int = 8
    first_wait: float = 60.0
    max_wait: float = 3600.0

    @classmethod
    def of(cls, settings: Settings) -> MailSettings:
        return cls(host=settings.smtp_host or None, port=settings.smtp_port,
                   user=settings.smtp_user or None, password=settings.smtp_password or None,
                   starttls=settings.smtp_starttls, sender=settings.mail_from,
                   base_url=settings.base_url.rstrip("/"),
                   max_attempts=settings.mail_max_attempts,
                   first_wait=settings.mail_first_wait_seconds,
                   max_wait=settings.mail_max_wait_seconds)

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to try again, {self.failed} given up"


def message_of(mail: OutboxMail, settings: MailSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(utcnow())
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("secondlook", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    link = f"{settings.base_url}{mail.link_path}"
    msg.set_content(f"{mail.body}\n\nOpen it: {link}\n\n-- \nSecond Look, the school's "
                    "check before a post goes out. You get this mail because of your role; "
                    "an admin can remove your address.\n")
    return msg


class Relay:
    """One SMTP connection for a round of sending, opened on first use."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        self.smtp.send_message(msg)

    def _connect(self) -> smtplib.SMTP:
        s, context = self.settings, ssl.create_default_context()
        assert s.host is not None
        smtp: smtplib.SMTP
        if s.port == 465:  # implicit TLS ("SMTPS")
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.starttls:  # refuses to go on in the clear if the relay offers no STARTTLS
                smtp.starttls(context=context)
                smtp.ehlo()
        if s.user:
            smtp.login(s.user, s.password or "")
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def _claim(db: DbEngine, mail: OutboxMail, now: datetime) -> bool:
    with Session(db) as s:
        result = s.exec(update(OutboxMail).where(  # type: ignore[call-overload]
            col(OutboxMail.id) == mail.id, col(OutboxMail.state) == MailState.PENDING,
            col(OutboxMail.attempts) == mail.attempts,
        ).values(attempts=mail.attempts + 1, next_attempt_at=now + LEASE))
        s.commit()
        return bool(result.rowcount)


def _finish(db: DbEngine, mail_id: int, **values: object) -> None:
    with Session(db) as s:
        s.exec(update(OutboxMail).where(  # type: ignore[call-overload]
            col(OutboxMail.id) == mail_id).values(**values))
        s.commit()


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500 and \
        not isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused)


def wait_after(attempts: int, settings: MailSettings) -> timedelta:
    return timedelta(seconds=min(settings.first_wait * 2 ** max(attempts - 1, 0),
                                 settings.max_wait))


def send_due(*, db: DbEngine, settings: MailSettings, now: datetime | None = None,
             limit: int = 100) -> SendResult:
    """Try every mail whose time has come (at most ``limit``); never raises."""
    result = SendResult()
    if not settings.enabled:
        return result
    now = now or utcnow()
    try:
        with Session(db) as s:
            due = list(s.exec(select(OutboxMail).where(
                col(OutboxMail.state) == MailState.PENDING,
                col(OutboxMail.next_attempt_at) <= now).order_by(col(OutboxMail.id))
                .limit(limit)))
        relay = Relay(settings)
        try:
            for mail in due:
                if _claim(db, mail, now):
                    _try_one(db, relay, mail, settings, result)
        finally:
            relay.close()
    except Exception:  # noqa: BLE001 - the database may be away; the next round tries again
        log.exception("the outbox could not be read")
    return result


def _try_one(db: DbEngine, relay: Relay, mail: OutboxMail, settings: MailSettings,
             result: SendResult) -> None:
    assert mail.id is not None
    attempts = mail.attempts + 1
    try:
        relay.send(message_of(mail, settings))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is raised
        relay.close()  # the connection may be half-broken: open a new one for the next
        error = f"{type(exc).__name__}: {exc}"[:500]
        if _permanent(exc) or attempts >= settings.max_attempts:
            _finish(db, mail.id, state=MailState.FAILED, last_error=error)
            result.failed += 1
            log.warning("mail %s to user %s given up after %d attempt(s): %s", mail.id,
                        mail.user_id, attempts, error)
        else:
            _finish(db, mail.id, last_error=error,
                    next_attempt_at=utcnow() + wait_after(attempts, settings))
            result.retrying += 1
            log.info("mail %s not sent (attempt %d), will try again: %s", mail.id, attempts,
                     error)
        return
    _finish(db, mail.id, state=MailState.SENT, sent_at=utcnow(), last_error="")
    result.sent += 1
