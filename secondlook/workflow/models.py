"""Tables for drafts, their revisions, the decisions taken on them and the audit log.

A revision is immutable: any edit, including a system edit such as applying a
blurred copy, creates a new one. Approvals and sign-offs (``Decision`` rows)
name the revision and its content hash, so an edit leaves them behind.
Image bytes are stored once per distinct content (``ImageBlob``), already
processed: exactly what would be published.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from consent_store.models import school_field, school_lookup, utcnow


class DraftState(StrEnum):
    DRAFT = "draft"  # being written; only editors see it
    SUBMITTED = "submitted"  # waiting for approval (and sign-off when the verdict is review)
    APPROVED = "approved"  # every requirement met: may be released
    RELEASING = "releasing"  # one release has claimed it; no second one may start
    RELEASED = "released"
    RETURNED = "returned"  # sent back to the author with a reason
    REJECTED = "rejected"  # final: will not be published
    DELETED = "deleted"  # its author deleted it before release: content gone, history kept


class DecisionKind(StrEnum):
    APPROVE = "approve"
    SIGN_OFF = "signoff"
    RETURN = "return"
    REJECT = "reject"


class DraftRecord(SQLModel, table=True):
    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    author_id: int = Field(foreign_key="user_account.id", index=True)
    state: str = Field(default=DraftState.DRAFT, max_length=20, index=True)
    # Compare-and-set counter: every transition is UPDATE ... WHERE version = seen.
    version: int = 1
    current_revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    released_at: datetime | None = None
    released_sha256: str = Field(default="", max_length=64)
    # The row outlives a deleted draft so that its id, which the audit log names, is
    # never given to another draft.
    deleted_at: datetime | None = None


class Revision(SQLModel, table=True):
    __tablename__ = "draft_revision"
    __table_args__ = (UniqueConstraint("draft_id", "number"),
                      school_lookup("draft_revision", "draft_id"))

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    draft_id: int = Field(foreign_key="draft.id")
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    channels: str = Field(max_length=100)  # ";"-separated, in the author's order
    content_sha256: str = Field(max_length=64)
    verdict: str = Field(max_length=10)
    safeguarding: bool = False  # a review/block finding is tagged "safeguarding"
    report_json: str = Field(sa_column=Column(Text, nullable=False))  # findings carry tags
    register_version: str = Field(default="", max_length=32)
    edited_by_id: int = Field(foreign_key="user_account.id", index=True)
    system_edit: str = Field(default="", max_length=200)  # e.g. "blurred faces in photo 3"
    created_at: datetime = Field(default_factory=utcnow)


class ImageBlob(SQLModel, table=True):
    __tablename__ = "image_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    media_type: str = Field(default="application/octet-stream", max_length=50)
    # What re-encoding the upload removed (";"-separated, e.g. GPSInfo;Make): shown as fixed.
    metadata_removed: str = Field(default="", max_length=1000)


class RevisionImage(SQLModel, table=True):
    __tablename__ = "revision_image"
    __table_args__ = (UniqueConstraint("revision_id", "position"),
                      school_lookup("revision_image", "revision_id"))

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    revision_id: int = Field(foreign_key="draft_revision.id")
    position: int
    sha256: str = Field(foreign_key="image_blob.sha256", max_length=64)
    alt: str = Field(default="", sa_column=Column(Text, nullable=False))
    name: str = Field(default="", max_length=255)


class Decision(SQLModel, table=True):
    """An approval, sign-off, return or rejection, bound to one revision's content hash."""

    __tablename__ = "draft_decision"
    __table_args__ = (school_lookup("draft_decision", "draft_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    draft_id: int = Field(foreign_key="draft.id")
    revision: int
    content_sha256: str = Field(max_length=64)
    kind: str = Field(max_length=10)
    user_id: int = Field(foreign_key="user_account.id")
    role: str = Field(default="", max_length=20)  # the role it was taken in
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    voided_at: datetime | None = None  # set when an edit makes it stale


class Comment(SQLModel, table=True):
    """A remark in the conversation on a draft, about the post, its text or one photo."""

    __tablename__ = "draft_comment"
    __table_args__ = (school_lookup("draft_comment", "draft_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    draft_id: int = Field(foreign_key="draft.id")
    revision: int  # the version it was written on
    user_id: int = Field(foreign_key="user_account.id")
    about: str = Field(default="", max_length=20)  # "", "text" or "photo:N" (1-based)
    quote: str = Field(default="", max_length=300)  # the words of the text it is about
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One line of the append-only log; ``entry_sha256`` covers the previous entry's hash."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_school_seq", "school_id", "school_seq"),)

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    school_id: int | None = school_field()
    created_at: datetime
    actor_id: int | None = None  # None: the system
    actor: str = Field(max_length=80)  # username at the time, kept if the account goes
    action: str = Field(max_length=40)
    draft_id: int | None = Field(default=None, index=True)
    revision: int | None = None
    content_sha256: str = Field(default="", max_length=64)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # canonical JSON
    prev_sha256: str = Field(max_length=64)
    entry_sha256: str = Field(max_length=64)
    # The school's own chain (``secondlook.workflow.audit``): the entry's number among its
    # school's and the hash of the school's entry before it. 0 and "" for entries written
    # before schools had chains of their own (the trust-wide chain covers those).
    school_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    school_prev_sha256: str = Field(default="", max_length=64,
                                    sa_column_kwargs={"server_default": ""})


class AuditSchoolHead(SQLModel, table=True):
    """Each school's last entry in its own chain (number and hash): appends move it."""

    __tablename__ = "audit_school_head"

    school_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    position: int = 0
    entry_sha256: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """A single row: the last position and hash. Updating it first serialises appends."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    position: int = 0
    entry_sha256: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """A head of the log as a verification or a backup saw it (also kept outside the
    database): the log must still hold that entry with that hash."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    position: int
    entry_sha256: str = Field(max_length=64)
    # None: the trust-wide chain; a school's number: that school's own chain
    chain_school_id: int | None = Field(default=None, index=True)
    recorded_at: datetime = Field(default_factory=utcnow)
    source: str = Field(max_length=300)  # e.g. "audit verify", "backup /srv/backups/mon"


class FaceDecisionKind(StrEnum):
    BLURRED = "blurred"  # this box of this photo is blurred (the photo was made so)
    NOT_LEARNER = "not_learner"  # the author says: an adult or a visitor
    IDENTIFIED = "identified"  # an admin, headteacher or DSL says which learner it is


class FaceDecisionRecord(SQLModel, table=True):
    """A person's decision about one face in one photo (its exact bytes, by SHA-256).

    Each decision is taken on a revision and makes the next one (a blur changes the photo;
    the others change the report). A blur names the photo it was made from
    (``source_sha256``): undoing it puts that photo back. Undoing sets ``voided_at``.
    """

    __tablename__ = "face_decision"
    __table_args__ = (school_lookup("face_decision", "draft_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    draft_id: int = Field(foreign_key="draft.id")
    revision: int  # the revision it was taken on
    image_sha256: str = Field(max_length=64, index=True)
    top: int
    right: int
    bottom: int
    left: int
    kind: str = Field(max_length=20)
    upn: str = Field(default="", max_length=20)  # the learner, when identified
    source_sha256: str = Field(default="", max_length=64)  # a blur: the photo before it
    user_id: int = Field(foreign_key="user_account.id")
    role: str = Field(default="", max_length=20)  # the role it was taken in
    created_at: datetime = Field(default_factory=utcnow)
    voided_at: datetime | None = None
