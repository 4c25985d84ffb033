"""Deleting a draft: its author, before it was ever released, after confirming.

The content goes (text, photos no other draft uses, comments, decisions about faces, a
waiting schedule); the draft's row stays as a tombstone so its id is never reused, its
decisions stay (who
approved, signed off, returned or rejected it, and why: the policy review counts them),
and the audit log keeps its whole history, ending with who deleted it and when. A draft
that was sent to a channel, or may have been, is never deleted: the record of what went
out must stay.
"""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from consent_store.channels import labels
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.release.models import ChannelPost, PostState, ScheduledRelease
from secondlook.workflow import rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import InvalidTransition
from secondlook.workflow.models import (
    Comment,
    DraftState,
    FaceDecisionRecord,
    ImageBlob,
    Revision,
    RevisionImage,
)
from secondlook.workflow.revisions import advance, record
from secondlook.workflow.views import load_view

# Sent, on its way, perhaps sent, or handed over for a manual post: it may be public.
MAY_BE_OUT = (PostState.POSTED, PostState.SENDING, PostState.IN_DOUBT, PostState.AWAITING_LINK)


def delete_draft(*, session: Session, draft_id: int, user: User,
                 checker: Checker | None = None) -> None:
    """``checker``: its engine drops what the checks kept about the photos that go (the
    faces found in them), so nothing of the draft outlives it there either."""
    view = load_view(session, draft_id)
    rules.can_delete(user, view)
    out = sorted(set(session.exec(select(ChannelPost.channel).where(
        ChannelPost.draft_id == draft_id, col(ChannelPost.state).in_(MAY_BE_OUT)))))
    if out:
        raise InvalidTransition(f"draft {draft_id} was (or may have been) posted to "
                                f"{labels(out)}: it cannot be deleted")
    record(session, view, user, "deleted", verdict=view.verdict, images=len(view.images))
    advance(session, view, DraftState.DELETED, deleted_at=utcnow())
    gone = _delete_content(session, draft_id)
    if checker is not None:
        checker.engine.forget_photos(gone)


def _delete_content(session: Session, draft_id: int) -> frozenset[str]:
    revision_ids = list(session.exec(select(Revision.id).where(Revision.draft_id == draft_id)))
    shas = set(session.exec(select(RevisionImage.sha256).where(
        col(RevisionImage.revision_id).in_(revision_ids))))
    for table, column in ((Comment, Comment.draft_id), (ChannelPost, ChannelPost.draft_id),
                          (FaceDecisionRecord, FaceDecisionRecord.draft_id),
                          (ScheduledRelease, ScheduledRelease.draft_id)):
        session.exec(delete(table).where(col(column) == draft_id))  # type: ignore[call-overload]
    session.exec(delete(RevisionImage).where(  # type: ignore[call-overload]
        col(RevisionImage.revision_id).in_(revision_ids)))
    session.exec(delete(Revision).where(  # type: ignore[call-overload]
        col(Revision.draft_id) == draft_id))
    still_used = set(session.exec(select(RevisionImage.sha256).where(
        col(RevisionImage.sha256).in_(shas))))
    session.exec(delete(ImageBlob).where(  # type: ignore[call-overload]
        col(ImageBlob.sha256).in_(shas - still_used)))
    session.flush()
    return frozenset(shas - still_used)
