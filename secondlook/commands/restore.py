"""``secondlook restore DIR``: put a backup back, checked against its manifest and verified.

Stop the server first. The database it replaces is backed up first, under home."""

from __future__ import annotations

import argparse
from pathlib import Path

from secondlook.commands import Command, CommandError
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", type=Path, help="a folder `backup` wrote")
    parser.add_argument("--key", metavar="FILE", type=Path,
                        help="the backup's data key, if it was written apart (--key-out)")
    parser.add_argument("--force", action="store_true",
                        help="replace the database even if a backup of it cannot be made "
                             "first")


def _run(args: argparse.Namespace) -> int:
    from secondlook.backup.manifest import BackupError
    from secondlook.backup.service import restore_backup

    settings = get_settings()
    try:
        key_text = args.key.read_text() if args.key else None
        outcome = restore_backup(folder=args.folder, url=settings.resolved_database_url(),
                                 home=settings.home, key_text=key_text,
                                 env_key=settings.data_key, force=args.force)
    except (BackupError, OSError) as exc:
        raise CommandError(f"not restored: {exc}") from exc
    m = outcome.manifest
    print(f"Restored the backup of {m.created_at} from {args.folder} (it replaced "
          f"{outcome.replaced}).")
    print(f"Audit log verified against the backup's head: {m.audit_entries} entries, head "
          f"{m.audit_head}; with the restore recorded, {outcome.entries} entries verified.")
    if outcome.kept:
        print(f"The database it replaced was backed up first to {outcome.kept} (put it back "
              f"with `secondlook restore {outcome.kept}`).")
    if outcome.key_written:
        print(f"The backup's data key was written to {outcome.key_written}.")
    return 0


COMMAND = Command(help="put a backup back (checked against its manifest, then verified)",
                  configure=_configure, run=_run)
