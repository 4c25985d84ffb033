"""``secondlook school add NAME``: a new school of the trust (its own register, staff roles,
channels, posts and audit log)."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, UsageError, open_database


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the school's name, as its staff know it")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.schools import SchoolError, add_school

    db = open_database()
    try:
        with session_scope(db) as session:
            try:
                school = add_school(session, args.name)
            except SchoolError as exc:
                raise UsageError(str(exc)) from exc
            print(f"School {school.id}: {school.name}. Give it staff with "
                  f"`secondlook user add ... --school {school.id}` and a register with "
                  f"`secondlook register import FILE --school {school.id}`.")
    finally:
        db.dispose()
    return 0


COMMAND = Command(help="add a school to the trust", configure=_configure, run=_run)
