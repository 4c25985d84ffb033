"""``secondlook mail digest``: today's digest to everyone with something waiting, then send.

At most one digest per person per day, however often it runs (or the server's own daily
digest, ``SECONDLOOK_MAIL_DIGEST_HOUR``, ran too)."""

from __future__ import annotations

import argparse
from datetime import datetime

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-send", action="store_true",
                        help="only queue the digests; the server sends them")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from secondlook.commands.mail_send import send_now
    from secondlook.mail.digest import write_digests

    settings = get_settings()
    with Session(open_database(settings)) as session:
        written = write_digests(session=session, day=datetime.now(settings.zone()).date())
        session.commit()
    print(f"{written} digest(s) queued.")
    if not args.no_send:
        print(f"Mail: {send_now(settings)}.")
    return 0


COMMAND = Command(help="queue today's digest for each person with something waiting, and "
                  "send it", configure=_configure, run=_run)
