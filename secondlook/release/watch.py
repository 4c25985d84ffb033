"""Every process that serves or works jobs is a release worker (``workers``): its
heartbeat tells the others it is alive, and on start-up and at every beat it recovers,
school by school, the releases of processes that died (``recovery``), so a draft is never
left in ``releasing`` by a killed server. Scheduled releases, channels' next tries and old
approvals are jobs (``secondlook.jobs.periodic``), not this."""

from __future__ import annotations

from sqlalchemy.engine import Engine as DbEngine

from secondlook.release.recovery import recover
from secondlook.release.workers import HEARTBEAT_SECONDS, Heartbeat
from secondlook.schools import for_each_school


def recover_every_school(db: DbEngine) -> None:
    for _ in for_each_school(db, lambda: recover(db=db)):
        pass


def release_watch(db: DbEngine, seconds: float = HEARTBEAT_SECONDS) -> Heartbeat:
    """This process's heartbeat, recovering every school's dead releases at each beat
    (``start()`` registers and recovers at once, before anything is served)."""
    return Heartbeat(db, each_beat=lambda: recover_every_school(db), seconds=seconds)
