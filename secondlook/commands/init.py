from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from secondlook.database import current_revision

    engine = open_database(get_settings(), migrate_if_needed=True)
    url = engine.url.render_as_string(hide_password=True)
    print(f"Database ready at {url} (schema {current_revision(engine)}).")
    return 0


COMMAND = Command(help="create or migrate the database", configure=_configure, run=_run)
