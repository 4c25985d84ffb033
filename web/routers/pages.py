"""The start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import func, select

from consent_store.models import Learner
from web.deps import CurrentUserDep, SessionDep

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, summary="Start page")
def start_page(request: Request, session: SessionDep, user: CurrentUserDep) -> HTMLResponse:
    from web.app import templates

    learners = session.exec(select(func.count()).select_from(Learner)).one()
    return templates.TemplateResponse(request, "index.html", {"user": user, "learners": learners})
