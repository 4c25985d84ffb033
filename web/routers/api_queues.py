"""JSON API for the work queues: awaiting my approval, flagged for review, my drafts, my next
steps (each draft once, as the start page lists them) and approval expired."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from secondlook.workflow import queues
from web.deps import ApproverDep, SessionDep, SignerDep, StaffDep
from web.errors import workflow_errors

router = APIRouter(prefix="/api/queues", tags=["queues"])


class QueueItemOut(BaseModel):
    id: int
    state: str
    verdict: str
    safeguarding: bool
    title: str
    channels: list[str]
    author: str
    revision: int
    content_sha256: str
    created_at: datetime
    submitted_at: datetime | None
    age_seconds: int
    status: str  # where it stands, in words: "Approved; waiting for the headteacher's sign-off"
    next_action: str  # in /work only: the caller's next step ("Approve", "Sign off", ...)


def _out(items: list[queues.QueueItem]) -> list[QueueItemOut]:
    return [QueueItemOut(**item.to_dict()) for item in items]


@router.get("/awaiting-approval", summary="Submitted drafts I may approve, oldest first")
def awaiting_approval(session: SessionDep, user: ApproverDep) -> list[QueueItemOut]:
    with workflow_errors(session):
        return _out(queues.awaiting_approval(session=session, user=user))


@router.get("/flagged", summary="Drafts waiting for my sign-off (headteacher, or DSL for "
            "safeguarding findings)")
def flagged(session: SessionDep, user: SignerDep) -> list[QueueItemOut]:
    with workflow_errors(session):
        return _out(queues.flagged_for_review(session=session, user=user))


@router.get("/mine", summary="Drafts I wrote, most recently changed first")
def mine(session: SessionDep, user: StaffDep) -> list[QueueItemOut]:
    with workflow_errors(session):
        return _out(queues.my_drafts(session=session, user=user))


@router.get("/work", summary="My next steps: each draft once, the step that is mine named")
def work(session: SessionDep, user: StaffDep) -> list[QueueItemOut]:
    with workflow_errors(session):
        return _out(queues.my_work(session=session, user=user).todo)


@router.get("/approval-expired", summary="Drafts waiting to be approved again because their "
            "approval expired")
def approval_expired(session: SessionDep, user: StaffDep) -> list[QueueItemOut]:
    with workflow_errors(session):
        return _out(queues.approval_expired(session=session, user=user))
