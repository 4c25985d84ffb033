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
    parser.add_argument(
        "--confirm", action="append", default=[], metavar="UPN=EVIDENCE",
        help="give back a consent withdrawn in Second Look that the file restores, for this "
             "learner, recording the evidence (e.g. 'new consent form dated 2027-01-10'); "
             "repeat for several learners",
    )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="print what the import would change (added, updated, consents narrowed or "
             "widened, learners missing) and the file's sha256; change nothing",
    )
    parser.add_argument(
        "--expect-sha256", metavar="HASH", default=None,
        help="import only if the file is still the one previewed (the sha256 --dry-run "
             "printed)",
    )


def _confirmations(values: list[str]) -> dict[str, str] | None:
    if not values:
        return None
    out: dict[str, str] = {}
    for value in values:
        upn, sep, evidence = value.partition("=")
        if not sep or not upn.strip() or not evidence.strip():
            raise CommandError(f"--confirm {value!r}: write UPN=EVIDENCE, e.g. "
                               "--confirm B234567890123='new consent form dated 2027-01-10'")
        out[upn.strip().upper()] = evidence.strip()
    return out


def _expect(text: str, expected: str | None, path: Path) -> None:
    from secondlook.register_preview import file_sha256

    if expected is not None and file_sha256(text) != expected.strip().lower():
        raise CommandError(f"{path} changed since it was previewed (its sha256 is now "
                           f"{file_sha256(text)}): nothing was imported; run --dry-run again")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from consent_store.register_import import RegisterImportError, read_register_file
    from secondlook.register_service import import_register

    settings = get_settings()
    confirm = _confirmations(args.confirm)
    engine = open_database(settings)
    try:
        text = read_register_file(args.file, settings.max_register_bytes)
        _expect(text, args.expect_sha256, args.file)
        if args.dry_run:
            from secondlook.register_preview import preview

            shown = preview(db=engine, text=text, name=str(args.file), prune=args.prune,
                            confirm=confirm)
            print(shown.text())
            print(f"To apply exactly this file: secondlook register import {args.file}"
                  f"{' --prune' if args.prune else ''} --expect-sha256 {shown.file_sha256}")
            return 0
        with session_scope(engine) as session:
            outcome = import_register(session=session, text=text, name=str(args.file),
                                      prune=args.prune, checker=checker(settings),
                                      confirm=confirm)
    except RegisterImportError as exc:
        raise CommandError(str(exc)) from exc
    print(outcome.summary())
    if outcome.result.held:
        first = outcome.result.held[0].upn
        print("To give consent back, import again confirming each learner with the evidence: "
              f"--confirm {first}='new consent form dated …'")
    return 0


COMMAND = Command(
    help="add or update learners and their consents from the register CSV",
    configure=_configure, run=_run,
)
