"""``secondlook backup DIR``: a consistent copy of the database while the server runs, the
audit head it holds, and the data key (written apart from the copy with --key-out)."""

from __future__ import annotations

import argparse
from pathlib import Path

from secondlook.commands import Command, CommandError, data_key, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", type=Path,
                        help="a new (or empty) folder for this backup")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--key-out", metavar="FILE", type=Path,
                       help="write the data key to FILE (e.g. on another disk) instead of "
                            "DIR/data.key")
    where.add_argument("--no-key", action="store_true",
                       help="leave the key out (it is backed up elsewhere; the manifest keeps "
                            "its fingerprint)")


def _run(args: argparse.Namespace) -> int:
    from secondlook.backup.manifest import BackupError
    from secondlook.backup.service import make_backup

    settings = get_settings()
    engine = open_database(settings)
    try:
        manifest = make_backup(engine=engine, key=data_key(settings), folder=args.folder,
                               home=settings.home, key_out=args.key_out,
                               with_key=not args.no_key)
    except (BackupError, OSError) as exc:
        raise CommandError(f"backup not made: {exc}") from exc
    print(f"Backup written to {args.folder}: {manifest.file} ({manifest.database}, schema "
          f"{manifest.schema}), audit log {manifest.audit_entries} entries, head "
          f"{manifest.audit_head}.")
    if manifest.key_file:
        print(f"The data key is in {args.folder / manifest.key_file} (fingerprint "
              f"{manifest.key_fingerprint}): keep it apart from the database copy.")
    elif args.key_out:
        print(f"The data key (fingerprint {manifest.key_fingerprint}) is in {args.key_out}.")
    if manifest.audit_problems:
        print("WARNING the audit log does not verify: " + "; ".join(manifest.audit_problems))
        return 1
    return 0


COMMAND = Command(help="back up the database (safe while the server runs) and the data key",
                  configure=_configure, run=_run)
