"""``secondlook register withdraw UPN``: record a consent withdrawal, as the learner's page
does, for scripts and tests. A later register import cannot undo it."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    from consent_store.channels import CHANNELS

    parser.add_argument("upn", metavar="UPN", help="the learner's Unique Pupil Number")
    parser.add_argument("--channel", action="append", default=[], choices=list(CHANNELS),
                        help="withdraw photo consent for this channel (repeat for several)")
    parser.add_argument("--name", choices=["first", "none"],
                        help="withdraw name consent: 'first' (first name only) or 'none'")
    parser.add_argument("--biometric", action="store_true",
                        help="withdraw biometric consent: deletes face templates and photos")
    parser.add_argument("--reason", required=True,
                        help="why, as the school recorded it (e.g. 'parent emailed 20 Nov')")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.withdrawal import Withdrawal, WithdrawalError, withdraw

    if not (args.channel or args.name or args.biometric):
        print("secondlook register withdraw: give at least one of --channel, --name, "
              "--biometric")
        return 2
    request = Withdrawal(upn=args.upn.strip().upper(), reason=args.reason,
                         photo_channels=frozenset(args.channel), name=args.name,
                         biometric=args.biometric)
    engine = open_database(get_settings())
    try:
        with session_scope(engine) as session:
            result = withdraw(session=session, request=request)
    except WithdrawalError as exc:
        raise CommandError(f"{args.upn}: nothing withdrawn: {exc}") from exc
    print(f"Withdrawn for {request.upn}: " + "; ".join(result.changed) + ".")
    print("Recorded with the reason; a register import cannot give it back without "
          f"--confirm {request.upn}=EVIDENCE.")
    return 0


COMMAND = Command(help="withdraw a learner's photo, name or biometric consent (with a reason)",
                  configure=_configure, run=_run)
