"""Counts of the release's background work and outcomes, read from the database for the
server's metrics.

They are facts of the database, not of one process, so every server process reports the
same figures however many there are, and a restart loses nothing. No learner, draft or
text appears: only channel names, states and numbers.

- ``posts``: channel publications by (channel, state): posted, failed, in doubt (may be
  online: a person must look), awaiting a pasted link, pending or being sent.
- ``jobs_waiting``: background work not done yet, by kind: scheduled releases waiting
  for their time, channels waiting for their next try, releases running now.
- ``schedules``: scheduled releases by state (waiting, running, done, failed, cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, func, select

from secondlook.release.models import ChannelPost, PostState, ReleaseRun, ScheduledRelease


@dataclass(frozen=True)
class ReleaseFigures:
    posts: dict[tuple[str, str], int]
    jobs_waiting: dict[str, int]
    schedules: dict[str, int]

    @property
    def in_doubt(self) -> int:
        return sum(n for (_, state), n in self.posts.items() if state == PostState.IN_DOUBT)


def release_figures(db: DbEngine) -> ReleaseFigures:
    with Session(db) as s:
        posts = {(channel, state): int(n) for channel, state, n in s.exec(
            select(ChannelPost.channel, ChannelPost.state, func.count())
            .group_by(col(ChannelPost.channel), col(ChannelPost.state)))}
        schedules = {state: int(n) for state, n in s.exec(
            select(ScheduledRelease.state, func.count())
            .group_by(col(ScheduledRelease.state)))}
        retries = s.exec(select(func.count()).select_from(ChannelPost).where(
            col(ChannelPost.state) == PostState.FAILED,
            col(ChannelPost.retry_after).is_not(None))).one()
        running = s.exec(select(func.count()).select_from(ReleaseRun)).one()
    waiting = {"scheduled_release": schedules.get("waiting", 0),
               "channel_retry": int(retries), "release_running": int(running)}
    return ReleaseFigures(posts=posts, jobs_waiting=waiting, schedules=schedules)
