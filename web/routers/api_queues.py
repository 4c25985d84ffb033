"""JSON API for the work queues: awaiting my approval, flagged for review, my drafts."""

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
