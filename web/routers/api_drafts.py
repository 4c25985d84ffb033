"""JSON API for drafts: create, read, revise, one-click fixes, decisions, audit trail.

Thin: each route checks the caller's role (so a wrong role is 403 before anything else),
calls one workflow service, which enforces every rule, and answers with the draft.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import APIRouter
from sqlmodel import Session

from secondlook.accounts.models import User
from secondlook.workflow import audit
from secondlook.workflow import drafts as workflow
from secondlook.workflow import recheck as rechecking
from secondlook.workflow.photo_checks import check_photos
from secondlook.workflow.views import DraftView
from web.api_models import (
    AuditEntryOut,
    BlurIn,
    DecisionIn,
    DraftIn,
    DraftOut,
    DropChannelIn,
    ReasonIn,
    RevisionIn,
    SignOffIn,
    detail_for,
    draft_out,
    images_in,
)
from web.deps import (
    ApproverDep,
    AuthorDep,
    CheckerDep,
    DbDep,
    EditorDep,
    ReviewerDep,
    SessionDep,
    SignerDep,
    StaffDep,
)
from web.errors import workflow_errors

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


def done(session: Session, user: User, step: Callable[[], DraftView]) -> DraftOut:
    """Run one workflow step, answer with the draft as it now is, and commit."""
    with workflow_errors(session):
        out = draft_out(session, step(), user)
        session.commit()
    return out


@router.post("", status_code=201, summary="Create a draft; the checks run at once")
def create(body: DraftIn, session: SessionDep, checker: CheckerDep,
           user: AuthorDep) -> DraftOut:
    return done(session, user, lambda: workflow.create_draft(
        session=session, author=user, text=body.text, channels=body.channels, checker=checker,
        images=images_in(session, body.images, user)))


@router.get("/{draft_id}", summary="A draft's current revision, report and decisions")
def read(draft_id: int, session: SessionDep, db: DbDep, checker: CheckerDep,
         user: StaffDep) -> DraftOut:
    """The report is complete: photos a page save left to the photo-check job are checked
    here and then, if the job has not finished (it stores the same findings once)."""
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        if view.photos_unchecked:
            check_photos(db=db, checker=checker, draft_id=draft_id)
            session.expire_all()
            view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        return draft_out(session, view, user)


@router.patch("/{draft_id}", summary="Edit: a new revision that voids approvals and sign-offs")
def revise(draft_id: int, body: RevisionIn, session: SessionDep, checker: CheckerDep,
           user: EditorDep) -> DraftOut:
    def step() -> DraftView:
        workflow.get_draft(session=session, draft_id=draft_id, user=user)  # who may, first
        images = None if body.images is None else images_in(session, body.images, user)
        return workflow.revise(
            session=session, draft_id=draft_id, user=user, checker=checker, text=body.text,
            channels=body.channels, expected_revision=body.expected_revision, images=images)

    return done(session, user, step)


@router.post("/{draft_id}/fix/blur", summary="Replace a photo with a copy whose faces are "
             "blurred (a new revision)")
def fix_blur(draft_id: int, body: BlurIn, session: SessionDep, checker: CheckerDep,
             user: EditorDep) -> DraftOut:
    return done(session, user, lambda: workflow.apply_blurred_copy(
        session=session, draft_id=draft_id, user=user, image=body.photo - 1, checker=checker))


@router.post("/{draft_id}/fix/drop-channel", summary="Stop posting to one channel "
             "(a new revision)")
def fix_drop_channel(draft_id: int, body: DropChannelIn, session: SessionDep,
                     checker: CheckerDep, user: EditorDep) -> DraftOut:
    return done(session, user, lambda: workflow.drop_channel(
        session=session, draft_id=draft_id, user=user, channel=body.channel, checker=checker))


@router.post("/{draft_id}/recheck", summary="Check again against the current register; a "
             "changed report is a new revision needing fresh approval")
def recheck(draft_id: int, session: SessionDep, checker: CheckerDep,
            user: StaffDep) -> DraftOut:
    return done(session, user, lambda: rechecking.recheck(
        session=session, draft_id=draft_id, checker=checker, user=user))


@router.post("/{draft_id}/submit", summary="Submit for a colleague's approval")
def submit(draft_id: int, session: SessionDep, user: AuthorDep) -> DraftOut:
    return done(session, user, lambda: workflow.submit(
        session=session, draft_id=draft_id, user=user))


@router.post("/{draft_id}/approve", summary="Approve exactly the content with this hash")
def approve(draft_id: int, body: DecisionIn, session: SessionDep, checker: CheckerDep,
            user: ApproverDep) -> DraftOut:
    return done(session, user, lambda: workflow.approve(
        session=session, draft_id=draft_id, user=user, content_sha256=body.content_sha256,
        checker=checker))


@router.post("/{draft_id}/signoff", summary="Sign off a review verdict with a written reason")
def sign_off(draft_id: int, body: SignOffIn, session: SessionDep, checker: CheckerDep,
             user: SignerDep) -> DraftOut:
    return done(session, user, lambda: workflow.sign_off(
        session=session, draft_id=draft_id, user=user, content_sha256=body.content_sha256,
        reason=body.reason, checker=checker))


@router.post("/{draft_id}/return", summary="Send back to the author with a reason")
def return_draft(draft_id: int, body: ReasonIn, session: SessionDep,
                 user: ReviewerDep) -> DraftOut:
    return done(session, user, lambda: workflow.return_draft(
        session=session, draft_id=draft_id, user=user, reason=body.reason))


@router.post("/{draft_id}/reject", summary="Reject: the post will not be published")
def reject(draft_id: int, body: ReasonIn, session: SessionDep, user: SignerDep) -> DraftOut:
    return done(session, user, lambda: workflow.reject(
        session=session, draft_id=draft_id, user=user, reason=body.reason))


@router.get("/{draft_id}/audit", summary="The draft's whole history from the audit log")
def audit_trail(draft_id: int, session: SessionDep, user: StaffDep) -> list[AuditEntryOut]:
    with workflow_errors(session):
        workflow.get_draft(session=session, draft_id=draft_id, user=user)
        return [
            AuditEntryOut(position=e.position, created_at=e.created_at, actor=e.actor,
                          action=e.action, revision=e.revision, content_sha256=e.content_sha256,
                          detail=detail_for(user, json.loads(e.detail)),
                          entry_sha256=e.entry_sha256)
            for e in audit.history(session=session, draft_id=draft_id)
        ]
