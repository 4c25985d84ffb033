"""``secondlook serve [--workers N]``: the web app in one or several server processes,
after the start-up checks.

This is the composition root: the one place below ``web`` that imports it, to build the
app from the settings and hand it to uvicorn (or to name the factory each worker calls).

Every process keeps nothing of its own that another needs (sessions, CSRF keys, the
login throttle and the set-up link are in the database), so N workers behind uvicorn's
supervisor, or several machines behind a proxy, behave as one server. Each worker runs
the same start-up checks as this command (``web.app.create_served_app``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from secondlook.commands import Command, CommandError, open_database, validate_rule_packs
from secondlook.config import Settings, get_settings

FACTORY = "web.app:create_served_app"
WORKER_HEALTHCHECK_SECONDS = 60


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes sharing the port (default 1)")
    parser.add_argument("--no-jobs", action="store_true",
                        help="work no background jobs here: `secondlook worker` processes "
                        "do (same as SECONDLOOK_JOBS_RUN=workers)")


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers < 1:
        raise CommandError("--workers must be 1 or more")
    if args.no_jobs:  # the environment reaches each worker process too
        os.environ["SECONDLOOK_JOBS_RUN"] = "workers"
        get_settings.cache_clear()
    settings = get_settings()
    validate_rule_packs(settings)
    db = open_database(settings)  # refuse to start on a missing or old schema
    _announce_setup_link(db, args)
    options = _uvicorn_options(args, settings)
    if args.workers > 1:
        share_metrics(settings.home)  # before anything imports prometheus_client
    if args.workers == 1:
        from web.app import create_app

        uvicorn.run(create_app(settings, db=db), **options)
    else:
        db.dispose()  # each worker opens its own connections
        # A worker that does not answer uvicorn's health check in time is replaced; its
        # default of 5 s is shorter than a worker's start on a busy two-core machine.
        uvicorn.run(FACTORY, factory=True, workers=args.workers,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, **options)
    return 0


def _uvicorn_options(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    # Forwarded headers are handled by the app, and only from SECONDLOOK_TRUSTED_PROXIES;
    # uvicorn's own default would believe anything connecting from 127.0.0.1.
    # Its access log would write UPNs and tokens in paths: the app logs routes instead.
    return {"host": args.host, "port": args.port, "proxy_headers": False,
            "access_log": False, "log_config": log_config(settings.log_format)}


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's logging set-up plus the app's access log, our loggers and request ids, in
    text or JSON lines (applied in every worker)."""
    from uvicorn.config import LOGGING_CONFIG

    from secondlook.log_format import log_config as with_ours

    return with_ours(LOGGING_CONFIG, log_format)


def share_metrics(home: Path) -> None:
    """Several workers: prometheus-client's multiprocess mode, each worker writing its
    figures under ``home/metrics`` (emptied here: figures of an earlier run are not this
    one's), so ``/metrics`` from any worker adds up all of them. A folder set by the
    operator in ``PROMETHEUS_MULTIPROC_DIR`` is used as it is."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = (home / "metrics").resolve()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def _announce_setup_link(db: Engine, args: argparse.Namespace) -> None:
    """With no account yet, print the one-time link that creates the first admin."""
    from sqlmodel import Session

    from secondlook.accounts.setup import LINK_HOURS, issue_setup_link

    with Session(db) as session:
        token = issue_setup_link(session=session)
    if token is None:
        return
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(
        "\nNo staff account exists yet. Open this link once to create the first admin "
        f"(it works until an account exists, for {LINK_HOURS} hours, or until the server "
        f"is started again):\n\n    http://{host}:{args.port}/setup/{token}\n",
        flush=True,
    )


COMMAND = Command(help="start the web app", configure=_configure, run=_run)
