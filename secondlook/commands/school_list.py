"""``secondlook school list``: the trust's schools, by number."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from secondlook.schools import list_schools

    db = open_database()
    try:
        with Session(db) as session:
            for school in list_schools(session):
                print(f"{school.id}\t{school.name}")
    finally:
        db.dispose()
    return 0


COMMAND = Command(help="list the schools of the trust", configure=_configure, run=_run)
