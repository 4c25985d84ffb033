"""``secondlook channel set CHANNEL``: an admin enters a channel's credentials.

The token is read from standard input (or a prompt), never from the command
line, where it would stay in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from secondlook.commands import Command, CommandError, data_key, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("channel", choices=["facebook", "twitter"])
    parser.add_argument("--page-id", help="Facebook: the page's numeric id")
    parser.add_argument("--username", help="X: the account name, without @ (for post links)")
    parser.add_argument("--token-stdin", action="store_true",
                        help="read the access token from standard input instead of a prompt")


def _read_token(args: argparse.Namespace) -> str:
    if args.token_stdin:
        return sys.stdin.readline().strip()
    return getpass.getpass(f"{args.channel} access token (not shown): ").strip()


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.release.credentials import CredentialError, set_credentials
    from secondlook.release.sealing import SealError

    values = {"page_id": args.page_id or "", "username": (args.username or "").lstrip("@"),
              "token": _read_token(args)}
    settings = get_settings()
    engine = open_database(settings)
    key = data_key(settings)
    try:
        with session_scope(engine) as session:
            row = set_credentials(session=session, channel=args.channel, values=values,
                                  actor=None, key=key)
            account = row.account
    except (CredentialError, SealError) as exc:
        raise CommandError(f"{exc} (usage: secondlook channel set {args.channel} "
                           + ("--page-id ID" if args.channel == "facebook" else "--username NAME")
                           + " --token-stdin < token.txt)") from exc
    print(f"Credentials for {args.channel} ({account}) stored encrypted.")
    return 0


COMMAND = Command(help="store a channel's credentials (encrypted)", configure=_configure,
                  run=_run)
