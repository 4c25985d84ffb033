"""Tables of the release: one row per (draft revision, channel) publication, and
the encrypted channel credentials.

``ChannelPost`` is the idempotency record. Its key (draft, revision, channel) is
unique and the row is committed in state ``sending`` *before* the request that
creates the public post leaves the machine. See ``publishing.py`` for why a
crash between sending and recording never leads to a second post.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from consent_store.models import school_field, school_lookup, utcnow


class PostState(StrEnum):
    PENDING = "pending"  # not tried yet
    SENDING = "sending"  # claimed; the publishing request may be on the wire
    POSTED = "posted"  # the channel has it; remote_id and url are set
    FAILED = "failed"  # definitely not posted (refused before publishing); may be retried
    IN_DOUBT = "in_doubt"  # may or may not be posted: a person must look before any retry
    AWAITING_LINK = "awaiting_link"  # manual channel: exported, waiting for the pasted link


# Rows whose post is, or may be, on the channel (a Class Dojo copy waiting for its link
# may have been downloaded and posted).
MAY_BE_ONLINE = (PostState.POSTED, PostState.IN_DOUBT, PostState.SENDING,
                 PostState.AWAITING_LINK)


class ChannelPost(SQLModel, table=True):
    __tablename__ = "channel_post"
    __table_args__ = (UniqueConstraint("draft_id", "revision", "channel"),
                      school_lookup("channel_post", "draft_id"))

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    draft_id: int
    revision: int
    channel: str = Field(max_length=20)
    content_sha256: str = Field(max_length=64)  # what was (or will be) sent
    state: str = Field(default=PostState.PENDING, max_length=20, index=True)
    attempts: int = 0
    remote_id: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    retry_after: datetime | None = None  # a rate limit said: not before then
    started_at: datetime | None = None  # last time a send was claimed
    posted_at: datetime | None = None
    released_by_id: int | None = None
    # Learners (UPNs, ";"-joined) named in the text / matched in a photo, from the
    # released revision's report: what the takedown list searches.
    named: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    pictured: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    taken_down_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChannelCredential(SQLModel, table=True):
    """Per-channel secrets (page token, access token), AES-GCM encrypted at rest."""

    __tablename__ = "channel_credential"

    school_id: int | None = Field(default=None, primary_key=True,
                                  sa_column_kwargs={"autoincrement": False})
    channel: str = Field(primary_key=True, max_length=20)
    # Not secret, shown to admins: e.g. the Facebook page id or the X account name.
    account: str = Field(default="", max_length=200)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # What the channel calls the account (the page's name), from the connection test.
    account_name: str = Field(default="", max_length=200,
                              sa_column_kwargs={"server_default": ""})
    expires_at: datetime | None = None  # when the token stops working, if known
    updated_by_id: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Takedown(SQLModel, table=True):
    """A released post that must come down because a learner's consent changed."""

    __tablename__ = "takedown"
    __table_args__ = (UniqueConstraint("channel_post_id", "learner_upn"),
                      school_lookup("takedown", "channel_post_id"))

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    channel_post_id: int = Field(foreign_key="channel_post.id")
    learner_upn: str = Field(max_length=13, index=True)
    reason: str = Field(max_length=200)  # e.g. "photo consent for facebook withdrawn"
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None, index=True)
    closed_by_id: int | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ScheduledRelease(SQLModel, table=True):
    """Release an approved draft at a set time (``secondlook release due`` runs them)."""

    __tablename__ = "scheduled_release"

    draft_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    school_id: int | None = school_field()
    release_at: datetime = Field(index=True)
    scheduled_by_id: int
    # waiting, running (taken by ``worker``), done, failed, cancelled
    state: str = Field(default="waiting", max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    worker: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReleaseWorker(SQLModel, table=True):
    """A process that releases posts (a server, ``release due``), with its heartbeat: a
    release whose worker stopped beating, or whose process is gone, was interrupted."""

    __tablename__ = "release_worker"

    id: str = Field(primary_key=True, max_length=100)  # host:pid:random
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)


class ReleaseRun(SQLModel, table=True):
    """A draft being released, and by which worker: written with the workflow's claim,
    removed when that release ends. A run whose worker is gone needs recovering."""

    __tablename__ = "release_run"

    draft_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    school_id: int | None = school_field()
    revision: int
    worker: str = Field(max_length=100, index=True)
    user_id: int | None = None
    started_at: datetime = Field(default_factory=utcnow)
