from __future__ import annotations

import argparse
from pathlib import Path

from secondlook.commands import Command, CommandError, checker, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="the MIS export")
    parser.add_argument(
        "--prune", action="store_true",
        help="mark learners who are not in the file as left (they are never deleted)",
    )


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from consent_store.register_import import RegisterImportError, read_register_file
    from secondlook.register_service import import_register

    settings = get_settings()
    engine = open_database(settings)
    try:
        text = read_register_file(args.file, settings.max_register_bytes)
        with session_scope(engine) as session:
            outcome = import_register(session=session, text=text, name=str(args.file),
                                      prune=args.prune, checker=checker(settings))
    except RegisterImportError as exc:
        raise CommandError(str(exc)) from exc
    print(outcome.summary())
    return 0


COMMAND = Command(
    help="add or update learners and their consents from the register CSV",
    configure=_configure, run=_run,
)
