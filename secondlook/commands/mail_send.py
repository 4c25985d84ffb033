"""``secondlook mail send``: send what the outbox holds now (for cron, or to test the relay)."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def send_now(settings: object) -> str:
    from secondlook.mail.sending import MailSettings, send_due

    mail = MailSettings.of(settings)  # type: ignore[arg-type]
    if not mail.enabled:
        raise CommandError("no SMTP relay is set (SECONDLOOK_SMTP_HOST): the mail stays "
                           "queued until one is")
    return str(send_due(db=open_database(settings), settings=mail))  # type: ignore[arg-type]


def _run(args: argparse.Namespace) -> int:
    print(f"Mail: {send_now(get_settings())}.")
    return 0


COMMAND = Command(help="send the queued notification mails now", configure=_configure,
                  run=_run)
