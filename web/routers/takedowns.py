"""The takedown list: released posts to remove after a consent change. Admins, the
headteacher and the DSL see it; Facebook and X posts are deleted through the channel's
API from here, a Class Dojo post by hand and then confirmed here (the receipt)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.accounts.models import Role, User
from secondlook.release.takedown_delete import (
    confirm_deleted_by_hand,
    delete_progress,
    queue_delete,
)
from secondlook.release.takedowns import mark_taken_down, takedown_queue, takedown_receipts
from web.deps import JobsDep, SessionDep, require_role
from web.templating import page

router = APIRouter(prefix="/takedowns", tags=["takedowns"])
# Whoever must act on a takedown: the headteacher and the DSL, and the admin whose
# register change (or withdrawal) opened it.
TakedownDep = Annotated[User, Depends(require_role(Role.HEADTEACHER, Role.DSL, Role.ADMIN))]


@router.get("", response_class=HTMLResponse, summary="Posts to take down")
def takedowns_page(request: Request, session: SessionDep, jobs: JobsDep, user: TakedownDep,
                   job: int | None = None) -> HTMLResponse:
    query = request.query_params
    # A delete asked for from here runs as a job: while it does, the list says so and
    # reloads itself (no script); then it says what the channel answered.
    progress = delete_progress(session, jobs.get(job)) if job is not None else None
    message, failed = query.get("message", ""), query.get("failed") == "1"
    if progress is not None:
        message, failed = progress.message, progress.failed
    return page(request, "release/takedowns.html", {
        "user": user, "items": takedown_queue(session=session),
        "receipts": takedown_receipts(session=session),
        "done": query.get("done") == "1", "message": message, "failed": failed,
        "refresh": progress is not None and progress.running})


@router.post("/{takedown_id}/done", summary="Mark a post as taken down")
def taken_down(takedown_id: int, session: SessionDep, user: TakedownDep,
               note: Annotated[str, Form()] = "") -> Response:
    try:
        mark_taken_down(session=session, takedown_id=takedown_id, user=user, note=note)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse("/takedowns?done=1", status_code=303)


@router.post("/{takedown_id}/delete",
             summary="Delete the post through the channel's API (a background job)")
def delete_post(takedown_id: int, session: SessionDep, jobs: JobsDep,
                user: TakedownDep) -> Response:
    try:
        job_id = queue_delete(session=session, jobs=jobs, takedown_id=takedown_id, user=user)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return RedirectResponse(f"/takedowns?job={job_id}", status_code=303)


@router.post("/{takedown_id}/deleted-by-hand",
             summary="Confirm a post was deleted on a channel without an API (the receipt)")
def deleted_by_hand(takedown_id: int, session: SessionDep, user: TakedownDep) -> Response:
    try:
        note = confirm_deleted_by_hand(session=session, takedown_id=takedown_id, user=user)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse(f"/takedowns?message={quote('Recorded: ' + note + '.')}",
                            status_code=303)
