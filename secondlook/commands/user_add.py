"""``secondlook user add``: create a staff account from the console (e.g. a second admin)."""

from __future__ import annotations

import argparse
import getpass

from secondlook.commands import Command, CommandError, open_database


def ask_password(prompt: str = "Password (at least 10 characters): ") -> str:
    """Typed twice, never echoed, never taken from the command line (shell history)."""
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise CommandError("the two passwords differ; nothing was changed")
    return first


def _configure(parser: argparse.ArgumentParser) -> None:
    from secondlook.accounts.models import Role

    parser.add_argument("username")
    parser.add_argument("--name", required=True, help="the name colleagues see")
    parser.add_argument("--role", action="append", default=[], choices=[r.value for r in Role],
                        help="repeat for several roles")
    parser.add_argument("--trust-role", action="append", default=[],
                        choices=["trust_admin", "trust_comms"],
                        help="a role at every school of the trust: trust_admin (an admin "
                        "everywhere, adds schools) or trust_comms (drafts for any school)")
    parser.add_argument("--email", default=None,
                        help="where their notifications go (none without it)")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.accounts.models import Role, UserCreate
    from secondlook.accounts.passwords import PasswordRejected
    from secondlook.accounts.users import AccountError, create_user, normalise_email

    try:  # before the password is typed: a typo here should not cost it
        normalise_email(args.email)
    except AccountError as exc:
        raise CommandError(f"account not created: {exc}") from exc
    engine = open_database()
    data = UserCreate(username=args.username, display_name=args.name, password=ask_password(),
                      roles=frozenset(Role(r) for r in args.role), email=args.email)
    try:
        with session_scope(engine) as session:
            user = create_user(session=session, data=data)
            if args.trust_role:
                user.roles = ";".join([user.roles, *sorted(set(args.trust_role))]).strip(";")
                session.add(user)
            roles = ";".join(r.value for r in Role if r in user.role_set()) or "none"
            if args.trust_role:
                roles += " (trust: " + ", ".join(sorted(set(args.trust_role))) + ")"
            summary = f"created {user.username} ({user.display_name}), roles: {roles}"
            if user.email:
                summary += f", mail to {user.email}"
    except (AccountError, PasswordRejected) as exc:
        raise CommandError(f"account not created: {exc}") from exc
    print(summary)
    return 0


COMMAND = Command(help="create a staff account (asks for the password)",
                  configure=_configure, run=_run)
