"""``secondlook user password``: set a new password from the console and sign the user out.

The way back in for an admin who forgot their password: it needs access to the machine and
its database, never a default password.
"""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, open_database
from secondlook.commands.user_add import ask_password


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.accounts.passwords import PasswordRejected
    from secondlook.accounts.sessions import end_all_sessions
    from secondlook.accounts.users import find_user, set_password

    engine = open_database()
    with session_scope(engine) as session:
        user = find_user(session=session, username=args.username)
        if user is None:
            raise CommandError(f"there is no account {args.username!r}")
        try:
            set_password(session=session, user=user, password=ask_password("New password: "))
        except PasswordRejected as exc:
            raise CommandError(f"password not changed: {exc}") from exc
        assert user.id is not None
        end_all_sessions(session=session, user_id=user.id)
    print(f"password of {args.username} changed; their browsers were signed out")
    return 0


COMMAND = Command(help="set a new password for an account (asks for it)",
                  configure=_configure, run=_run)
