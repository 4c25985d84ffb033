"""The outbox: one row per mail and recipient, written in the transaction of the event.

A mail is composed when the event happens (subject and body, with the path of the link),
and sent later by the background sender (``sending.send_due``), which prefixes the
school's address to the link, retries with a growing wait, and gives up after a number of
attempts. The workflow never waits for the relay.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from consent_store.models import school_field, school_lookup, utcnow


class MailState(StrEnum):
    PENDING = "pending"  # waiting for its first try, or for the next one
    SENT = "sent"  # the relay accepted it
    FAILED = "failed"  # given up after the last attempt (or refused by every recipient)


class OutboxMail(SQLModel, table=True):
    __tablename__ = "mail_outbox"
    __table_args__ = (school_lookup("mail_outbox", "draft_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    event: str = Field(max_length=40)  # submitted, flagged, returned, … digest
    draft_id: int | None = None
    user_id: int | None = Field(default=None, index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))  # ends with the link's path
    link_path: str = Field(default="/", max_length=200)
    # At most one mail per key (e.g. one digest per person per day, across servers).
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    state: str = Field(default=MailState.PENDING, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
