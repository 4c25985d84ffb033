"""The start page (one list of next steps for whoever signs in) and the approval-expired
queue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from consent_store.models import utcnow
from secondlook.accounts.models import Role
from secondlook.release.credentials import expiring
from secondlook.workflow import queues
from web.deps import CurrentUserDep, SessionDep, StaffDep
from web.menu import note_work_count
from web.templating import page

router = APIRouter(tags=["pages"])
QUEUE_LIMIT = 200  # a school never has more waiting; the page says so if it does


@router.get("/", response_class=HTMLResponse, summary="Start page: my next steps")
def start_page(request: Request, session: SessionDep, user: CurrentUserDep) -> HTMLResponse:
    now = utcnow()
    work = queues.my_work(session=session, user=user, limit=QUEUE_LIMIT)
    note_work_count(request, len(work.todo))  # the menu's count: this list, not read again
    expired = queues.approval_expired(session=session, user=user, limit=QUEUE_LIMIT)
    tokens = expiring(session=session, now=now) if user.has_role(Role.ADMIN) else []
    return page(request, "index.html", {
        "user": user, "now": now, "limit": QUEUE_LIMIT, "todo": work.todo, "mine": work.mine,
        "expired": expired, "tokens": tokens})


@router.get("/queues/approval-expired", response_class=HTMLResponse,
            summary="Posts whose approval expired, waiting to be approved again")
def expired_page(request: Request, session: SessionDep, user: StaffDep) -> HTMLResponse:
    items = queues.approval_expired(session=session, user=user, limit=QUEUE_LIMIT)
    return page(request, "queues/expired.html", {
        "user": user, "now": utcnow(), "items": items, "limit": QUEUE_LIMIT,
        "max_age": request.app.state.settings.approval_max_age_days})
