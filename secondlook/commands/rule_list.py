"""``secondlook rule list [--changed]``: every rule of the packs as it stands at this school
(severity and section, and whether each comes from the pack, the trust or the school)."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database, rulebook
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--changed", action="store_true",
                        help="only the rules whose severity or section is not the pack's")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from moderation.rule_settings import changed
    from secondlook.rule_settings import rules_in_force

    settings = get_settings()
    rules, _ = rulebook(settings)
    db = open_database(settings)
    try:
        with Session(db) as session:
            found = rules_in_force(session, rules)
    finally:
        db.dispose()
    shown = changed(found) if args.changed else found
    for rule_id, f in sorted(shown.items()):
        print(f"{rule_id:40} {f.severity:7} ({f.severity_from:6}) section {f.policy:4} "
              f"({f.policy_from})")
    if not shown:
        print("Every rule is as its pack says.")
    return 0


COMMAND = Command(help="the packs' rules as they stand at this school", configure=_configure,
                  run=_run)
