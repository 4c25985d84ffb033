"""``secondlook takedowns list``: released posts waiting to be taken down."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from secondlook.release.takedowns import takedown_queue

    with Session(open_database(get_settings())) as session:
        items = takedown_queue(session=session)
    for i in items:
        doubt = " [may be online: check the channel]" if i.may_be_online else ""
        print(f"#{i.id} {i.channel} draft {i.draft_id} {i.url or '(no link)'}{doubt} — "
              f"{i.learner_name or i.learner_upn}: {i.reason} (since {i.opened_at:%Y-%m-%d})")
    print(f"{len(items)} post(s) to take down." if items else "Nothing to take down.")
    return 0


COMMAND = Command(help="released posts to take down after consent changes",
                  configure=_configure, run=_run)
