"""``secondlook key rotate``: re-encrypt every sealed value under a new data key."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, data_key, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from consent_store.crypto import CryptoError
    from secondlook.key_rotation import rotate_key

    settings = get_settings()
    engine = open_database(settings)  # the current key must be the database's key
    try:
        change = rotate_key(engine=engine, settings=settings, old_key=data_key(settings))
    except CryptoError as exc:
        raise CommandError(f"key not rotated, nothing changed: {exc}") from exc
    print(f"Data key rotated: {change.values} sealed value(s) re-encrypted; fingerprint "
          f"{change.old_fingerprint} -> {change.new_fingerprint}.")
    if settings.data_key:
        print(f"The new key is in {change.new_key_file}: set SECONDLOOK_DATA_KEY to its "
              "contents before the next start, then delete the file.")
    else:
        print(f"The new key is in {change.new_key_file}. Restart the server; make a new backup "
              "(older backups keep the old key with them).")
    return 0


COMMAND = Command(help="replace the data key, re-encrypting every sealed value",
                  configure=_configure, run=_run)
