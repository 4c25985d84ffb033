"""The history page: a draft's whole story from the hash-chained log, in words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import select

from secondlook.accounts.models import User
from secondlook.workflow import audit
from secondlook.workflow import drafts as workflow
from web.api_models import sees_upns
from web.deps import SessionDep, StaffDep
from web.errors import workflow_errors
from web.history import describe
from web.templating import page

router = APIRouter(prefix="/drafts/{draft_id}", tags=["audit"])


@router.get("/audit", response_class=HTMLResponse, summary="A draft's history")
def audit_page(request: Request, draft_id: int, session: SessionDep,
               user: StaffDep) -> HTMLResponse:
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    names = {u.id: u.display_name for u in session.exec(select(User)) if u.id is not None}
    upns = sees_upns(user)
    entries = audit.history(session=session, draft_id=draft_id)
    lines = [describe(e, names, upns=upns) for e in entries]
    return page(request, "drafts/audit.html", {"user": user, "view": view, "lines": lines})
