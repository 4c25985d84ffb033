"""``secondlook key reset --delete-sealed-data``: the data key is lost for good."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--delete-sealed-data", action="store_true", required=True,
                        help="confirm: delete every face template, reference photo and "
                             "channel credential (they cannot be opened without the key)")


def _run(args: argparse.Namespace) -> int:
    from secondlook.key_rotation import reset_key

    settings = get_settings()
    engine = open_database(settings, check_key=False)
    change = reset_key(engine=engine, settings=settings)
    print(f"{change.values} sealed value(s) deleted; new data key {change.new_fingerprint} in "
          f"{change.new_key_file}. Enrol learners' reference photos and enter channel tokens "
          "again.")
    return 0


COMMAND = Command(help="after losing the data key: delete what it sealed and start a new key",
                  configure=_configure, run=_run)
