"""Which processes are releasing posts, and whether they are still alive.

Every process that sends posts (the web server, ``secondlook release due``) is a
worker: a row in ``release_worker`` with a heartbeat that ``Heartbeat`` refreshes
every few seconds. A release records its worker (``ReleaseRun``), and so does a
scheduled release it is running. A worker is gone when its heartbeat is older
than ``DEAD_AFTER``, or at once when it ran on this host and its process no
longer exists (or this process now has its pid: a container restarted): that
is how a restarted server knows, on start-up, that the releases it was doing
when it was killed will not finish. ``recovery`` then deals with them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.release.models import ReleaseWorker

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
# A live worker beats every 5 s; a database busy for a while must not make it look dead.
DEAD_AFTER = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Worker:
    host: str
    pid: int
    token: str

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def of(cls, pid: int | None = None) -> Worker:
        return cls(socket.gethostname()[:200], pid or os.getpid(), uuid.uuid4().hex[:12])


@cache
def _worker_for(pid: int) -> Worker:
    return Worker.of(pid)


def this_worker() -> Worker:
    """This process (a forked child gets its own identity)."""
    return _worker_for(os.getpid())


def beat(db: DbEngine, now: datetime | None = None) -> None:
    """Register this process as a worker, or refresh its heartbeat."""
    me, now = this_worker(), now or utcnow()
    with session_scope(db) as s:
        done = s.exec(update(ReleaseWorker).where(col(ReleaseWorker.id) == me.id)  # type: ignore[call-overload]
                      .values(heartbeat_at=now)).rowcount
        if done:
            return
    try:
        with session_scope(db) as s:
            s.add(ReleaseWorker(id=me.id, host=me.host, pid=me.pid, started_at=now,
                                heartbeat_at=now))
    except IntegrityError:  # another thread of this process registered it first
        beat(db, now)


def retire(db: DbEngine) -> None:
    """A clean stop: this process releases nothing any more."""
    with session_scope(db) as s:
        s.exec(delete(ReleaseWorker).where(col(ReleaseWorker.id) == this_worker().id))  # type: ignore[call-overload]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def is_alive(row: ReleaseWorker, now: datetime) -> bool:
    me = this_worker()
    if row.id == me.id:
        return True
    if row.heartbeat_at < now - DEAD_AFTER:
        return False
    if row.host == me.host:
        return row.pid != me.pid and _process_exists(row.pid)
    return True


def live_workers(session: Session, now: datetime | None = None) -> set[str]:
    """Ids of the workers that may still be releasing something."""
    now = now or utcnow()
    return {row.id for row in session.exec(select(ReleaseWorker)) if is_alive(row, now)}


def forget_dead(session: Session, alive: set[str]) -> int:
    """Drop the rows of workers that are gone (after their releases were recovered)."""
    stmt = delete(ReleaseWorker).where(col(ReleaseWorker.id).not_in(sorted(alive)))
    return int(session.exec(stmt).rowcount)  # type: ignore[call-overload]


class Heartbeat:
    """Keeps this process's heartbeat fresh from a thread while it runs, and after each
    beat runs ``each_beat`` (the server: recover releases whose worker is gone)."""

    def __init__(self, db: DbEngine, each_beat: Callable[[], object] | None = None,
                 seconds: float = HEARTBEAT_SECONDS) -> None:
        self.db, self.each_beat, self.seconds = db, each_beat, seconds
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self._tick()  # at once: a restarted server recovers before it serves a request
        self.thread = threading.Thread(target=self._loop, name="release-heartbeat",
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        try:
            retire(self.db)
        except Exception:  # noqa: BLE001 - stopping anyway; others see the heartbeat age
            log.exception("could not retire this release worker")

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tick(self) -> None:
        try:
            beat(self.db)
            if self.each_beat is not None:
                self.each_beat()
        except Exception:  # noqa: BLE001 - keep beating; the next round may succeed
            log.exception("release heartbeat")

    def _loop(self) -> None:
        while not self.stopping.wait(self.seconds):
            self._tick()
