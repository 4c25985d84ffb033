"""Deleting finished jobs nobody looks back at (the hourly ``prune_jobs`` round)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import col, delete

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.jobs.models import Job


def prune(db: DbEngine, *, kept_days: int, now: datetime | None = None) -> int:
    """Delete finished jobs older than ``kept_days``, and finished periodic rounds older
    than a day (thousands a day, nobody looks back at them); how many went."""
    now = now or utcnow()
    finished = col(Job.state).in_(("succeeded", "failed"))
    with session_scope(db) as s:
        old = s.exec(delete(Job).where(finished, col(Job.finished_at) < now - timedelta(
            days=kept_days)))  # type: ignore[call-overload]
        rounds = s.exec(delete(Job).where(finished, col(Job.lock).startswith("every-"),
                                          col(Job.finished_at) < now - timedelta(days=1)))  # type: ignore[call-overload]
        return int(old.rowcount) + int(rounds.rowcount)
