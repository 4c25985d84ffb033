from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    settings = get_settings()
    open_database(settings)  # refuse to start on a missing or old schema
    uvicorn.run(create_app(settings), host=args.host, port=args.port)
    return 0


COMMAND = Command(help="start the web app", configure=_configure, run=_run)
