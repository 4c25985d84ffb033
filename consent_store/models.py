"""Tables for learners, their consents and staff names.

Photo consent is stored as the canonical ``;``-joined list of channels the
family agreed to; ``all`` and ``none`` are expanded on import.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    left: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Set on every update made through SQLAlchemy: cached register snapshots key on it.
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=20)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
