"""JSON API for releasing: release now, each channel's state, a pasted link or "not there".

The same release service as the pages; the workflow's rules decide who may release.
Releasing is a background job: POST answers 202 at once with the job and its link
(``Location``); GET that link, or the release state, until the job is finished.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from secondlook.accounts.models import Role, User
from secondlook.jobs import JobInfo, JobQueue
from secondlook.release.queued import queue_release, release_job, release_progress
from secondlook.release.service import record_link, records_to_show
from secondlook.release.status import ChannelStatus, channel_status
from secondlook.workflow import drafts as workflow
from web.deps import DbDep, JobsDep, SessionDep, require_role
from web.errors import workflow_errors

router = APIRouter(prefix="/api/drafts/{draft_id}/release", tags=["release"])
ReleaserDep = Annotated[User, Depends(require_role(Role.AUTHOR, Role.APPROVER, Role.HEADTEACHER))]


class ChannelOut(BaseModel):
    channel: str
    state: str = Field(description="pending, sending, posted, failed, in_doubt or awaiting_link")
    outcome: str = Field(description="the state in words, e.g. 'not posted yet'")
    next_step: str = Field(description="what a person should do now, if anything")
    url: str
    error: str
    retry_at: datetime | None = Field(
        description="when the background releaser tries this channel again (UTC)")


class JobOut(BaseModel):
    id: int
    state: str = Field(description="todo, doing, succeeded or failed")
    attempts: int = Field(description="how many times a worker started it")
    error: str = Field(description="why it failed, when it did")
    progress: str = Field(description="what the release is doing now, in words")
    running: bool = Field(description="true until the job and any channel's next try are done")
    url: str = Field(description="this job's status")


class ReleaseOut(BaseModel):
    draft_id: int
    state: str = Field(description="the draft's state")
    channels: list[ChannelOut]
    job: JobOut | None = Field(default=None, description="the release job, when one was asked")


class LinkIn(BaseModel):
    url: str | None = Field(default=None, description="the post's https link")
    not_posted: bool = Field(default=False, description="checked: the post is not online")


def _channel(st: ChannelStatus) -> ChannelOut:
    return ChannelOut(channel=st.channel, state=st.state, outcome=st.outcome,
                      next_step=st.next_step, url=st.url, error=st.error, retry_at=st.retry_at)


def _job_url(draft_id: int, job_id: int) -> str:
    return f"/api/drafts/{draft_id}/release/jobs/{job_id}"


def _state_of(session: Session, draft_id: int, user: User,
              job: JobInfo | None = None) -> ReleaseOut:
    """Every channel of the current revision, tried or not, with what to do next."""
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    posts = records_to_show(session, view)
    statuses = [channel_status(c, posts[c], view.draft.state) for c in view.channels]
    out = ReleaseOut(draft_id=draft_id, state=str(view.draft.state),
                     channels=[_channel(st) for st in statuses])
    if job is not None:
        progress = release_progress(job, statuses, view.draft.state)
        out.job = JobOut(id=job.id, state=job.state, attempts=job.attempts, error=job.error,
                         progress=progress.text, running=progress.running,
                         url=_job_url(draft_id, job.id))
    return out


def _job(jobs: JobQueue, draft_id: int, job_id: int) -> JobInfo:
    job = release_job(jobs, job_id, draft_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"draft {draft_id} has no release job "
                            f"{job_id}")
    return job


@router.get("", summary="Each channel's release state for the current revision")
def status(draft_id: int, session: SessionDep, user: ReleaserDep) -> ReleaseOut:
    return _state_of(session, draft_id, user)


@router.post("", summary="Release the approved revision to every channel it names: 202 "
             "with the job (its link in Location); the release runs in the background",
             status_code=202, response_model=ReleaseOut)
def release(draft_id: int, db: DbDep, session: SessionDep, jobs: JobsDep,
            user: ReleaserDep) -> JSONResponse:
    with workflow_errors():
        job_id = queue_release(db=db, jobs=jobs, draft_id=draft_id, user=user)
    job = _job(jobs, draft_id, job_id)
    if job.state == "failed":  # run at once (jobs_run = inline), and refused
        raise HTTPException(status_code=409, detail=job.error)
    out = _state_of(session, draft_id, user, job)
    return JSONResponse(out.model_dump(mode="json"), status_code=202,
                        headers={"Location": _job_url(draft_id, job_id)})


@router.get("/jobs/{job_id}", summary="A release job: its state and what it is doing now")
def job_status(draft_id: int, job_id: int, session: SessionDep, jobs: JobsDep,
               user: ReleaserDep) -> ReleaseOut:
    return _state_of(session, draft_id, user, _job(jobs, draft_id, job_id))


@router.post("/{channel}/link", summary="A post's link, or confirmation it is not online")
def link(draft_id: int, channel: str, body: LinkIn, db: DbDep, session: SessionDep,
         user: ReleaserDep) -> ReleaseOut:
    if not body.not_posted and not body.url:
        raise HTTPException(status_code=422, detail="give the post's url, or not_posted: true")
    with workflow_errors():
        try:
            record_link(db=db, draft_id=draft_id, channel=channel,
                        url=None if body.not_posted else body.url, user=user)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
    return _state_of(session, draft_id, user)
