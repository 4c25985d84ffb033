"""JSON API for releasing: release now, each channel's state, a pasted link or "not there".

The same release service as the pages; the workflow's rules decide who may release.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlmodel import Session

from secondlook.accounts.models import Role, User
from secondlook.release.content import ReleaseRefused
from secondlook.release.service import record_link, records_to_show, release_draft
from secondlook.release.status import ChannelStatus, channel_status
from secondlook.workflow import drafts as workflow
from web.deps import CheckerDep, DbDep, SessionDep, SettingsDep, require_role
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


class ReleaseOut(BaseModel):
    draft_id: int
    state: str = Field(description="the draft's state afterwards")
    channels: list[ChannelOut]


class LinkIn(BaseModel):
    url: str | None = Field(default=None, description="the post's https link")
    not_posted: bool = Field(default=False, description="checked: the post is not online")


def _channel(st: ChannelStatus) -> ChannelOut:
    return ChannelOut(channel=st.channel, state=st.state, outcome=st.outcome,
                      next_step=st.next_step, url=st.url, error=st.error, retry_at=st.retry_at)


def _state_of(session: Session, draft_id: int, user: User) -> ReleaseOut:
    """Every channel of the current revision, tried or not, with what to do next."""
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    posts = records_to_show(session, view)
    return ReleaseOut(draft_id=draft_id, state=str(view.draft.state), channels=[
        _channel(channel_status(c, posts[c], view.draft.state)) for c in view.channels])


@router.get("", summary="Each channel's release state for the current revision")
def status(draft_id: int, session: SessionDep, user: ReleaserDep) -> ReleaseOut:
    return _state_of(session, draft_id, user)


@router.post("", summary="Release the approved revision to every channel it names")
def release(draft_id: int, db: DbDep, session: SessionDep, settings: SettingsDep,
            user: ReleaserDep, checker: CheckerDep) -> ReleaseOut:
    with workflow_errors():
        try:
            release_draft(db=db, draft_id=draft_id, user=user, settings=settings,
                          checker=checker)
        except ReleaseRefused as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from exc
    return _state_of(session, draft_id, user)


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
