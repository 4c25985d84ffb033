"""``secondlook drafts recheck``: re-check pending drafts after the register changed."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, checker, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.workflow.recheck import recheck_pending

    settings = get_settings()
    engine = open_database(settings)
    with session_scope(engine) as session:
        changed = recheck_pending(session=session, checker=checker(settings))
    if not changed:
        print("Every pending draft's report still holds for the current register.")
        return 0
    ids = ", ".join(str(i) for i in changed)
    print(f"{len(changed)} draft(s) have a new report and need approving again: {ids}")
    return 0


COMMAND = Command(help="re-check drafts not yet released against the current register",
                  configure=_configure, run=_run)
