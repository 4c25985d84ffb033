"""Tables for learners, their consents and staff names.

Photo consent is stored as the canonical ``;``-joined list of channels the
family agreed to; ``all`` and ``none`` are expanded on import.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def school_field() -> Any:
    """The school a row belongs to (``consent_store.scope`` fills and filters it).

    No foreign key: SQLite cannot add one to a table in place, and rebuilding the learner
    table would cascade-delete its face templates; the scope listener is the check."""
    return Field(default=None, index=True, nullable=False)


def school_lookup(table: str, column: str) -> Index:
    """The index for finding a school's rows by ``column`` (a draft's decisions, a revision's
    photos): ``(column, school_id)``, so that the school criterion every query carries is part
    of the lookup. With a plain index on ``column`` SQLite, which has no statistics, rated it
    no better than the index on ``school_id`` alone and often took that one: every correlated
    subquery of the approval queue then scanned all of the school's decisions (the queue page
    with 1,000 pending drafts went from 20 ms to 180 ms when schools came).
    ``tests/test_page_queries.py`` checks the queue's plan."""
    return Index(f"ix_{table}_{column}_school", column, "school_id")


class School(SQLModel, table=True):
    """One school of the trust; a single-school install has exactly one."""

    __tablename__ = "school"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class LearnerBase(SQLModel):
    upn: str = Field(primary_key=True, max_length=13)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    preferred_name: str = Field(default="", max_length=100)
    aliases: str = Field(default="", max_length=500)  # ";"-separated
    year_group: str = Field(default="", max_length=50)
    photo_channels: str = Field(default="", max_length=100)  # ";"-separated, canonical order
    name_consent: str = Field(default="none", max_length=5)  # full | first | none
    biometric_consent: bool = False
    biometric_objection: bool = False
    never_publish: bool = False
    consent_expires: date | None = None


class Learner(LearnerBase, table=True):
    school_id: int | None = school_field()
    left: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Set on every update made through SQLAlchemy: cached register snapshots key on it.
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    title: str = Field(default="", max_length=20)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
