"""The headteacher's takedown list: released posts to remove after a consent change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.release.takedowns import mark_taken_down, takedown_queue
from web.deps import SessionDep, SignerDep
from web.templating import page

router = APIRouter(prefix="/takedowns", tags=["takedowns"])


@router.get("", response_class=HTMLResponse, summary="Posts to take down")
def takedowns_page(request: Request, session: SessionDep, user: SignerDep) -> HTMLResponse:
    return page(request, "release/takedowns.html", {
        "user": user, "items": takedown_queue(session=session),
        "done": request.query_params.get("done") == "1"})


@router.post("/{takedown_id}/done", summary="Mark a post as taken down")
def taken_down(takedown_id: int, session: SessionDep, user: SignerDep,
               note: Annotated[str, Form()] = "") -> Response:
    try:
        mark_taken_down(session=session, takedown_id=takedown_id, user=user, note=note)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse("/takedowns?done=1", status_code=303)
