"""``secondlook serve``: the web app, after the start-up checks.

This is the composition root: the one place below ``web`` that imports it, to
build the app from the settings and hand it to uvicorn.
"""

from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database, validate_rule_packs
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    settings = get_settings()
    validate_rule_packs(settings)
    db = open_database(settings)  # refuse to start on a missing or old schema
    app = create_app(settings, db=db)
    _announce_setup_link(app, args)
    uvicorn.run(app, host=args.host, port=args.port)
    return 0


def _announce_setup_link(app, args: argparse.Namespace) -> None:  # noqa: ANN001
    """With no account yet, print the one-time link that creates the first admin."""
    from sqlmodel import Session

    from secondlook.accounts.users import count_users

    with Session(app.state.db) as session:
        if count_users(session=session) > 0:
            return
    token = app.state.first_admin.issue()
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(
        "\nNo staff account exists yet. Open this link once to create the first admin "
        f"(it works until an account exists or the server restarts):\n\n"
        f"    http://{host}:{args.port}/setup/{token}\n",
        flush=True,
    )


COMMAND = Command(help="start the web app", configure=_configure, run=_run)
