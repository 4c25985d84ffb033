"""JSON API for drafts: create, read, revise, one-click fixes, decisions, audit trail.

Thin: each route checks the caller's role (so a wrong role is 403 before anything else),
calls one workflow service, which enforces every rule, and answers with the draft.
"""

from __future__ import annotations

import json

from fastapi import APIRouter

from secondlook.workflow import audit
from secondlook.workflow import drafts as workflow
from secondlook.workflow import recheck as rechecking
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
    api_errors,
    draft_out,
    images_in,
)
from web.deps import (
    ApproverDep,
    AuthorDep,
    EditorDep,
    ModerationDep,
    ReviewerDep,
    SessionDep,
    SignerDep,
    StaffDep,
)

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


@router.post("", status_code=201, summary="Create a draft; the checks run at once")
def create(body: DraftIn, session: SessionDep, engine: ModerationDep,
           user: AuthorDep) -> DraftOut:
    with api_errors(session):
        view = workflow.create_draft(session=session, author=user, text=body.text,
                                     channels=body.channels, engine=engine,
                                     images=images_in(session, body.images))
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.get("/{draft_id}", summary="A draft's current revision, report and decisions")
def read(draft_id: int, session: SessionDep, user: StaffDep) -> DraftOut:
    with api_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        return draft_out(session, view, user)


@router.patch("/{draft_id}", summary="Edit: a new revision that voids approvals and sign-offs")
def revise(draft_id: int, body: RevisionIn, session: SessionDep, engine: ModerationDep,
           user: EditorDep) -> DraftOut:
    with api_errors(session):
        images = None if body.images is None else images_in(session, body.images)
        view = workflow.revise(session=session, draft_id=draft_id, user=user, engine=engine,
                               text=body.text, channels=body.channels, images=images,
                               expected_revision=body.expected_revision)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/fix/blur", summary="Replace a photo with a copy whose faces are "
             "blurred (a new revision)")
def fix_blur(draft_id: int, body: BlurIn, session: SessionDep, engine: ModerationDep,
             user: EditorDep) -> DraftOut:
    with api_errors(session):
        view = workflow.apply_blurred_copy(session=session, draft_id=draft_id, user=user,
                                           image=body.photo - 1, engine=engine)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/fix/drop-channel", summary="Stop posting to one channel "
             "(a new revision)")
def fix_drop_channel(draft_id: int, body: DropChannelIn, session: SessionDep,
                     engine: ModerationDep, user: EditorDep) -> DraftOut:
    with api_errors(session):
        view = workflow.drop_channel(session=session, draft_id=draft_id, user=user,
                                     channel=body.channel, engine=engine)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/recheck", summary="Check again against the current register; a "
             "changed report is a new revision needing fresh approval")
def recheck(draft_id: int, session: SessionDep, engine: ModerationDep,
            user: StaffDep) -> DraftOut:
    with api_errors(session):
        view = rechecking.recheck(session=session, draft_id=draft_id, engine=engine, user=user)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/submit", summary="Submit for a colleague's approval")
def submit(draft_id: int, session: SessionDep, user: AuthorDep) -> DraftOut:
    with api_errors(session):
        view = workflow.submit(session=session, draft_id=draft_id, user=user)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/approve", summary="Approve exactly the content with this hash")
def approve(draft_id: int, body: DecisionIn, session: SessionDep, engine: ModerationDep,
            user: ApproverDep) -> DraftOut:
    with api_errors(session):
        view = workflow.approve(session=session, draft_id=draft_id, user=user,
                                content_sha256=body.content_sha256, engine=engine)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/signoff", summary="Sign off a review verdict with a written reason")
def sign_off(draft_id: int, body: SignOffIn, session: SessionDep, engine: ModerationDep,
             user: SignerDep) -> DraftOut:
    with api_errors(session):
        view = workflow.sign_off(session=session, draft_id=draft_id, user=user,
                                 content_sha256=body.content_sha256, reason=body.reason,
                                 engine=engine)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/return", summary="Send back to the author with a reason")
def return_draft(draft_id: int, body: ReasonIn, session: SessionDep,
                 user: ReviewerDep) -> DraftOut:
    with api_errors(session):
        view = workflow.return_draft(session=session, draft_id=draft_id, user=user,
                                     reason=body.reason)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.post("/{draft_id}/reject", summary="Reject: the post will not be published")
def reject(draft_id: int, body: ReasonIn, session: SessionDep, user: SignerDep) -> DraftOut:
    with api_errors(session):
        view = workflow.reject(session=session, draft_id=draft_id, user=user,
                               reason=body.reason)
        out = draft_out(session, view, user)
        session.commit()
    return out


@router.get("/{draft_id}/audit", summary="The draft's whole history from the audit log")
def audit_trail(draft_id: int, session: SessionDep, user: StaffDep) -> list[AuditEntryOut]:
    with api_errors(session):
        workflow.get_draft(session=session, draft_id=draft_id, user=user)
        return [
            AuditEntryOut(position=e.position, created_at=e.created_at, actor=e.actor,
                          action=e.action, revision=e.revision, content_sha256=e.content_sha256,
                          detail=json.loads(e.detail), entry_sha256=e.entry_sha256)
            for e in audit.history(session=session, draft_id=draft_id)
        ]
