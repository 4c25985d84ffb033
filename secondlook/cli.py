"""The ``secondlook`` command. Each command is a module in ``secondlook.commands``.

Exit codes: 0 ok (check: pass), 3 review, 4 block, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from secondlook.commands import Command, CommandError

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
]

EXIT_ERROR = 1
EXIT_USAGE = 2


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
        sub.set_defaults(_command=words)
        commands[words] = command
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    try:
        return commands[args._command].run(args)
    except CommandError as exc:
        print(f"secondlook: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
