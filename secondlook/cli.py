"""The ``secondlook`` command. Each command is a module in ``secondlook.commands``.

Exit codes: 0 ok (check: pass), 3 review, 4 block, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from secondlook.commands import Command, CommandError, UsageError

# (words, module): a new command is one line here.
COMMANDS: list[tuple[tuple[str, ...], str]] = [
    (("init",), "secondlook.commands.init"),
    (("register", "import"), "secondlook.commands.register_import"),
    (("register", "enrol"), "secondlook.commands.enrol"),
    (("register", "calibrate"), "secondlook.commands.calibrate"),
    (("register", "withdraw"), "secondlook.commands.withdraw"),
    (("staff", "import"), "secondlook.commands.staff_import"),
    (("check",), "secondlook.commands.check"),
    (("serve",), "secondlook.commands.serve"),
    (("worker",), "secondlook.commands.worker"),
    (("user", "add"), "secondlook.commands.user_add"),
    (("user", "password"), "secondlook.commands.user_password"),
    (("channel", "set"), "secondlook.commands.channel_set"),
    (("release", "due"), "secondlook.commands.release_due"),
    (("report", "policy"), "secondlook.commands.report_policy"),
    (("takedowns", "list"), "secondlook.commands.takedowns_list"),
    (("audit", "verify"), "secondlook.commands.audit_verify"),
    (("drafts", "recheck"), "secondlook.commands.drafts_recheck"),
    (("channel", "remove"), "secondlook.commands.channel_remove"),
    (("key", "rotate"), "secondlook.commands.key_rotate"),
    (("key", "reset"), "secondlook.commands.key_reset"),
    (("backup",), "secondlook.commands.backup"),
    (("restore",), "secondlook.commands.restore"),
    (("mail", "send"), "secondlook.commands.mail_send"),
    (("mail", "digest"), "secondlook.commands.mail_digest"),
    (("school", "add"), "secondlook.commands.school_add"),
    (("school", "list"), "secondlook.commands.school_list"),
    (("rule", "set"), "secondlook.commands.rule_set"),
    (("rule", "list"), "secondlook.commands.rule_list"),
]

EXIT_ERROR = 1
EXIT_USAGE = 2

# Commands on the whole instance (every school's rows, or none): no --school.
TRUST_WIDE = {("init",), ("serve",), ("key", "rotate"), ("key", "reset"), ("backup",),
              ("restore",), ("audit", "verify"), ("school", "add"), ("school", "list")}
# Background work: without --school, once for each school.
EACH_SCHOOL = {("release", "due"), ("mail", "send"), ("mail", "digest")}


def build_parser() -> tuple[argparse.ArgumentParser, dict[tuple[str, ...], Command]]:
    parser = argparse.ArgumentParser(
        prog="secondlook",
        description="Second Look: check school social media posts before they are published.",
    )
    groups: dict[tuple[str, ...], argparse._SubParsersAction] = {
        (): parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    }
    commands: dict[tuple[str, ...], Command] = {}
    for words, module_name in COMMANDS:
        module = importlib.import_module(module_name)
        command: Command = module.COMMAND
        for depth in range(1, len(words)):
            prefix = words[:depth]
            if prefix not in groups:
                group = groups[words[: depth - 1]].add_parser(prefix[-1], help=f"{prefix[-1]} …")
                groups[prefix] = group.add_subparsers(
                    dest=f"command_{depth}", metavar="COMMAND", required=True
                )
        sub = groups[words[:-1]].add_parser(
            words[-1], help=command.help, description=command.help
        )
        command.configure(sub)
        if words not in TRUST_WIDE:
            sub.add_argument("--school", metavar="SCHOOL", default=None,
                             help="the school (name or number) this acts on; default: the "
                             "first" + (", or each school in turn" if words in EACH_SCHOOL
                                        else ""))
        sub.set_defaults(_command=words)
        commands[words] = command
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run_for_schools(commands[args._command], args)
    except CommandError as exc:
        print(f"secondlook: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_ERROR


def _run_for_schools(command: Command, args: argparse.Namespace) -> int:
    """Run ``command`` for the school ``--school`` names (the first school by default),
    for each school in turn (background work), or for the whole trust."""
    from consent_store.scope import all_schools, use_school

    words = args._command
    if words in TRUST_WIDE:
        with all_schools():
            return command.run(args)
    ref = getattr(args, "school", None)
    if ref is None and words not in EACH_SCHOOL:
        return command.run(args)
    from secondlook.commands import open_database
    from secondlook.schools import find_school, school_ids

    db = open_database()
    try:
        if ref is None:
            ids = school_ids(db)
        else:
            from sqlmodel import Session

            with Session(db) as session:
                school = find_school(session, ref)
            if school is None or school.id is None:
                raise UsageError(f"--school {ref!r}: no school has that name or number "
                                 "(`secondlook school list` shows them)")
            ids = [school.id]
    finally:
        db.dispose()
    codes = []
    for school_id in ids:
        with use_school(school_id):
            codes.append(command.run(args))
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
