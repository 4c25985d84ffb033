"""Releasing an approved draft from the pages: release now or at a time, the Class Dojo
download and pasted link, answering a post in doubt. The release service does the work;
the workflow's rules decide who may (author, approver or headteacher)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consent_store.models import utcnow
from secondlook.accounts.models import Role, User
from secondlook.release import scheduling
from secondlook.release.content import ReleaseRefused
from secondlook.release.models import ScheduledRelease
from secondlook.release.queued import queue_release, release_job, release_progress
from secondlook.release.service import (
    manual_export,
    record_link,
    records_to_show,
)
from secondlook.release.status import channel_status, summary
from secondlook.workflow import drafts as workflow
from web.deps import CheckerDep, DbDep, JobsDep, SessionDep, ZoneDep, require_role
from web.errors import workflow_errors
from web.formatting import LocalTimeError, parse_local, when_text
from web.templating import page

router = APIRouter(prefix="/drafts/{draft_id}/release", tags=["release"])
ReleaserDep = Annotated[User, Depends(require_role(Role.AUTHOR, Role.APPROVER, Role.HEADTEACHER))]
MESSAGES = {
    "link": "Link recorded.",
    "not-posted": "Recorded as not posted: it can be sent again.",
    "scheduled": "Scheduled.",
    "unscheduled": "Schedule cancelled.",
}


def _back(draft_id: int, what: str) -> Response:
    return RedirectResponse(f"/drafts/{draft_id}/release?done={what}", status_code=303)


@router.get("", response_class=HTMLResponse, summary="Release an approved post")
def release_page(request: Request, draft_id: int, session: SessionDep, jobs: JobsDep,
                 user: ReleaserDep, job: int | None = None) -> HTMLResponse:
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    posts = records_to_show(session, view)
    statuses = [channel_status(c, posts[c], view.draft.state,
                               zone=request.app.state.zone) for c in view.channels]
    done = request.query_params.get("done", "")
    progress = release_progress(release_job(jobs, job, draft_id) if job else None, statuses,
                                view.draft.state)
    # After a release, the outcome of each channel in one line: never "Sent." for a failure.
    # While the job runs, what it is doing now; the page reloads itself (no script).
    released = all(s.done for s in statuses)
    tone = "error" if done == "sent" and not released else "ok"
    if done == "sent" and progress.running:
        message, tone = "Releasing: " + progress.text, "ok"
    elif done == "sent" and progress.failed:
        message = "The release stopped: " + progress.failed
    else:
        message = summary(statuses) if done == "sent" else MESSAGES.get(done, "")
    return page(request, "release/draft.html", {
        "user": user, "view": view, "draft": view.draft, "statuses": statuses,
        "done": message, "tone": tone, "refresh": progress.running,
        "progress": progress, "schedule": session.get(ScheduledRelease, draft_id)})


@router.post("", summary="Release now to every channel of the post (a background job)")
def release_now(draft_id: int, db: DbDep, jobs: JobsDep, user: ReleaserDep) -> Response:
    with workflow_errors():
        job_id = queue_release(db=db, jobs=jobs, draft_id=draft_id, user=user)
    job = jobs.get(job_id)
    if job is not None and job.state == "failed":  # run at once (jobs_run = inline): refused
        raise HTTPException(status_code=409, detail=job.error)
    return RedirectResponse(f"/drafts/{draft_id}/release?done=sent&job={job_id}",
                            status_code=303)


@router.post("/classdojo.zip", summary="The approved text and photos for Class Dojo (a POST: "
             "handing them out is recorded)")
def classdojo_zip(draft_id: int, db: DbDep, user: ReleaserDep, checker: CheckerDep) -> Response:
    with workflow_errors():
        try:
            name, data = manual_export(db=db, draft_id=draft_id, user=user, checker=checker)
        except ReleaseRefused as exc:  # changed since approval, or metadata left: not handed out
            raise HTTPException(status_code=409, detail=str(exc)) from exc
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/{channel}/link", summary="Paste the post's link, or say it is not online")
def channel_link(draft_id: int, channel: str, db: DbDep, user: ReleaserDep,
                 url: Annotated[str, Form()] = "",
                 not_posted: Annotated[bool, Form()] = False) -> Response:
    with workflow_errors():
        try:
            record_link(db=db, draft_id=draft_id, channel=channel,
                        url=None if not_posted else url, user=user)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
    return _back(draft_id, "not-posted" if not_posted else "link")


def _moment(raw: str, zone: ZoneInfo) -> datetime:
    """A time typed in the school's zone, as UTC; not one in the past."""
    try:
        moment = parse_local(raw, zone)
    except LocalTimeError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if moment <= utcnow():
        raise HTTPException(status_code=422, detail=f"{when_text(moment, zone)} is in the "
                            "past: choose a later time")
    return moment


@router.post("/schedule", summary="Release at a set time (in the school's time zone)")
def schedule(draft_id: int, session: SessionDep, jobs: JobsDep, user: ReleaserDep,
             zone: ZoneDep, at: Annotated[str, Form()]) -> Response:
    moment = _moment(at, zone)
    with workflow_errors(session):
        scheduling.schedule(session=session, draft_id=draft_id, user=user, at=moment)
        session.commit()
    # The job that releases it at that moment, on whichever worker takes it (the periodic
    # round releases it too should this job be lost).
    jobs.defer(scheduling.SCHEDULED_TASK, lock=scheduling.scheduled_lock(draft_id, moment),
               run_at=moment, draft_id=draft_id)
    return _back(draft_id, "scheduled")


@router.post("/schedule/cancel", summary="Cancel a scheduled release")
def cancel_schedule(draft_id: int, session: SessionDep, user: ReleaserDep) -> Response:
    with workflow_errors(session):
        scheduling.cancel(session=session, draft_id=draft_id, user=user)
        session.commit()
    return _back(draft_id, "unscheduled")
