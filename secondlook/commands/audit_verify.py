"""``secondlook audit verify``: check that no audit entry was edited or deleted."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expect-head", metavar="SHA256",
                        help="the head hash noted at an earlier verification; fails if the "
                             "log no longer contains it as an entry's hash")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session, select

    from secondlook.workflow.audit import verify
    from secondlook.workflow.models import AuditEntry

    engine = open_database(get_settings())
    with Session(engine) as session:
        result = verify(session=session)
        known = args.expect_head is None or session.exec(select(AuditEntry.position).where(
            AuditEntry.entry_sha256 == args.expect_head)).first() is not None
    for problem in result.problems:
        print(f"TAMPERED {problem}")
    if not known:
        print(f"TAMPERED the head {args.expect_head} noted earlier is no longer in the log: "
              "entries were rewritten")
    if result.problems or not known:
        print(f"audit log: {len(result.problems) + (not known)} problem(s) in "
              f"{result.entries} entries")
        return 1
    print(f"audit log intact: {result.entries} entries; head {result.head_sha256}")
    print("Note the head hash somewhere safe: `--expect-head` checks it next time.")
    return 0


COMMAND = Command(help="verify the hash chain of the audit log (exit 1 if tampered)",
                  configure=_configure, run=_run)
