from __future__ import annotations

import argparse
from pathlib import Path

from secondlook.commands import Command, CommandError, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.csv", type=Path,
                        help="columns title, first_name, last_name; replaces the staff list")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from consent_store.register_import import RegisterImportError, read_register_file
    from secondlook.register_service import import_staff

    settings = get_settings()
    engine = open_database(settings)
    try:
        text = read_register_file(args.file, settings.max_register_bytes)
        with session_scope(engine) as session:
            count = import_staff(session=session, text=text, name=str(args.file))
    except RegisterImportError as exc:
        raise CommandError(str(exc)) from exc
    print(f"{count} staff name(s) imported; they will not be flagged as unknown people.")
    return 0


COMMAND = Command(help="import staff names (never flagged as unknown people)",
                  configure=_configure, run=_run)
