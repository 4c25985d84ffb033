"""``secondlook channel remove CHANNEL``: forget a channel's stored credentials."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("channel", choices=["facebook", "twitter"])


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.release.credentials import remove_credentials

    with session_scope(open_database(get_settings())) as session:
        removed = remove_credentials(session=session, channel=args.channel, actor=None)
    print(f"Credentials for {args.channel} removed: posts to it cannot be released until they "
          "are entered again." if removed else f"No credentials were stored for {args.channel}.")
    return 0


COMMAND = Command(help="remove a channel's stored credentials", configure=_configure, run=_run)
