"""The in-process queue's durable rows (SQLite, and ``jobs_run = inline``).

On PostgreSQL with job workers the queue is procrastinate's own tables
(``procrastinate_jobs``...), created by the same migrations; this table is then unused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from consent_store.models import utcnow


class Job(SQLModel, table=True):
    """One job: its task and arguments (JSON), and how far it got. States follow
    procrastinate's names: todo, doing, succeeded, failed."""

    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=100)
    args: str = Field(sa_column=Column(Text, nullable=False))  # JSON object
    state: str = Field(default="todo", max_length=20, index=True)
    # Only one job with a lock runs or waits at a time (e.g. one release per draft).
    lock: str | None = Field(default=None, max_length=100, index=True)
    worker: str = Field(default="", max_length=100)  # a release worker's id while doing
    attempts: int = 0
    # How far a task that counts its steps has got (e.g. 3 of 10 photos checked).
    progress_done: int = 0
    progress_total: int = 0
    run_at: datetime = Field(default_factory=utcnow, index=True)
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
