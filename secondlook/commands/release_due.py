"""``secondlook release due``: recover releases whose process died, release scheduled
drafts whose time has come, try again channels whose retry time has come, and expire
old approvals. Run it every minute from cron or a systemd timer."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, checker, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from secondlook.release.recovery import Recovered
    from secondlook.release.scheduling import run_due
    from secondlook.release.workers import Heartbeat

    settings = get_settings()
    db = open_database(settings)
    with Heartbeat(db):  # a long run is not mistaken for a dead one
        results = run_due(db=db, settings=settings, checker=checker(settings))
    failed = 0
    for result in results:
        if isinstance(result, str):
            failed += 1
            print(f"not released: {result}")
        elif isinstance(result, Recovered):
            print(result)
        else:
            states = ", ".join(f"{c.channel} {c.state}" for c in result.channels)
            print(f"draft {result.draft_id}: {result.state} ({states})")
    if not results:
        print("Nothing due.")
    return 1 if failed else 0


COMMAND = Command(help="release scheduled drafts that are due; expire old approvals",
                  configure=_configure, run=_run)
