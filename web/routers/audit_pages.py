"""The audit page: a draft's whole history from the hash-chained log."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from secondlook.workflow import audit
from secondlook.workflow import drafts as workflow
from web.deps import SessionDep, StaffDep
from web.errors import workflow_errors
from web.templating import page

router = APIRouter(prefix="/drafts/{draft_id}", tags=["audit"])


@router.get("/audit", response_class=HTMLResponse, summary="A draft's history")
def audit_page(request: Request, draft_id: int, session: SessionDep,
               user: StaffDep) -> HTMLResponse:
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    entries = [(e, json.loads(e.detail or "{}"))
               for e in audit.history(session=session, draft_id=draft_id)]
    return page(request, "drafts/audit.html",
                                      {"user": user, "view": view, "entries": entries})
