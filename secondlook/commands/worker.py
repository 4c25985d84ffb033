"""``secondlook worker``: run background jobs (photo checks, releases and their next
tries, scheduled releases, takedown deletions, mail, and the periodic rounds) until
stopped (SIGTERM or Ctrl-C), on this machine or another one sharing the database.

On PostgreSQL it is a procrastinate worker; on SQLite it works the ``job`` rows with
threads, like the server does. It is a release worker too (``release.workers``): its
heartbeat tells the others it is alive, and it recovers releases of processes that died.
Run as many as needed; app servers started with ``serve --no-jobs`` (or
``SECONDLOOK_JOBS_RUN=workers``) leave every job to them.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from secondlook.commands import Command, CommandError, checker, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=None,
                        help="jobs run at once (default SECONDLOOK_JOBS_CONCURRENCY, 2)")


def _run(args: argparse.Namespace) -> int:
    from secondlook.jobs import JobContext
    from secondlook.jobs.opening import open_queue, uses_procrastinate
    from secondlook.release.watch import release_watch

    settings = get_settings()
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise CommandError("--concurrency must be 1 or more")
        settings = settings.model_copy(update={"jobs_concurrency": args.concurrency})
    settings = settings.model_copy(update={"jobs_run": "workers"})
    db = open_database(settings)
    context = JobContext(db, settings, checker(settings))
    queue = open_queue(db, settings, context)
    runner: Any
    if uses_procrastinate(settings):
        from secondlook.jobs.procrastinate_queue import ProcrastinateRunner

        runner = ProcrastinateRunner(context, settings, name="secondlook-worker")
    else:
        from secondlook.jobs.local import LocalRunner

        runner = LocalRunner(db, context, threads=settings.jobs_concurrency)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    with release_watch(db):  # recovers dead releases of every school
        runner.start()
        print(f"Working background jobs ({settings.jobs_concurrency} at once); "
              "stop with SIGTERM or Ctrl-C.", flush=True)
        while not stopping.wait(1.0):
            if getattr(runner, "failed", None) is not None:
                raise CommandError(f"the job worker stopped: {runner.failed}")
        runner.stop()
    queue.close()
    db.dispose()
    print("Stopped.", flush=True)
    return 0


COMMAND = Command(help="run background jobs (releases) until stopped",
                  configure=_configure, run=_run)
