"""Decisions on a draft from the pages: submit, approve, sign off, return, reject.

Buttons are shown only when the workflow's rules allow them, and the same rules refuse the
request here if someone posts the form anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from secondlook.workflow import drafts as workflow
from web.deps import ApproverDep, AuthorDep, CheckerDep, ReviewerDep, SessionDep, SignerDep
from web.drafts_support import decision_errors
from web.errors import workflow_errors

router = APIRouter(prefix="/drafts/{draft_id}", tags=["decisions"])


def _done(draft_id: int, what: str) -> Response:
    return RedirectResponse(f"/drafts/{draft_id}?done={what}", status_code=303)


@router.post("/submit", summary="Submit for a colleague's approval")
def submit(draft_id: int, session: SessionDep, user: AuthorDep) -> Response:
    with workflow_errors(session):
        workflow.submit(session=session, draft_id=draft_id, user=user)
        session.commit()
    return _done(draft_id, "submitted")


@router.post("/approve", summary="Approve exactly the content shown")
def approve(draft_id: int, session: SessionDep, user: ApproverDep, checker: CheckerDep,
            content_sha256: Annotated[str, Form()]) -> Response:
    with decision_errors(session, draft_id=draft_id, checker=checker):
        workflow.approve(session=session, draft_id=draft_id, user=user,
                         content_sha256=content_sha256, checker=checker)
        session.commit()
    return _done(draft_id, "approved")


@router.post("/signoff", summary="Sign off a flagged draft with a written reason")
def sign_off(draft_id: int, session: SessionDep, user: SignerDep, checker: CheckerDep,
             content_sha256: Annotated[str, Form()],
             reason: Annotated[str, Form()] = "") -> Response:
    with decision_errors(session, draft_id=draft_id, checker=checker):
        workflow.sign_off(session=session, draft_id=draft_id, user=user,
                          content_sha256=content_sha256, reason=reason, checker=checker)
        session.commit()
    return _done(draft_id, "signed-off")


@router.post("/return", summary="Send back to the author with a reason")
def return_draft(draft_id: int, session: SessionDep, user: ReviewerDep,
                 reason: Annotated[str, Form()] = "") -> Response:
    with workflow_errors(session):
        workflow.return_draft(session=session, draft_id=draft_id, user=user, reason=reason)
        session.commit()
    return _done(draft_id, "returned")


@router.post("/reject", summary="Reject: the post will not be published")
def reject(draft_id: int, session: SessionDep, user: SignerDep,
           reason: Annotated[str, Form()] = "") -> Response:
    with workflow_errors(session):
        workflow.reject(session=session, draft_id=draft_id, user=user, reason=reason)
        session.commit()
    return _done(draft_id, "rejected")
