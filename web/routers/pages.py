"""The start page: the queues of work for whoever signs in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from consent_store.models import utcnow
from secondlook.accounts.models import Role
from secondlook.workflow import queues
from web.deps import CurrentUserDep, SessionDep
from web.templating import page

router = APIRouter(tags=["pages"])
QUEUE_LIMIT = 200  # a school never has more waiting; the page says so if it does


@router.get("/", response_class=HTMLResponse, summary="Start page: my queues")
def start_page(request: Request, session: SessionDep, user: CurrentUserDep) -> HTMLResponse:
    context = {"user": user, "now": utcnow(), "limit": QUEUE_LIMIT, "awaiting": None,
               "flagged": None, "mine": None}
    if user.has_role(Role.APPROVER):
        context["awaiting"] = queues.awaiting_approval(session=session, user=user,
                                                       limit=QUEUE_LIMIT)
    if user.role_set() & {Role.HEADTEACHER, Role.DSL}:
        context["flagged"] = queues.flagged_for_review(session=session, user=user,
                                                       limit=QUEUE_LIMIT)
    if user.has_role(Role.AUTHOR):
        context["mine"] = queues.my_drafts(session=session, user=user, limit=QUEUE_LIMIT)
    return page(request, "index.html", context)
