"""JSON API for the decision about each face: blur this face, take a decision back, not a
learner, this is learner X. The same workflow services, rules and audit as the page's
buttons (``web/routers/face_decisions.py``); photos and faces count from 1, as people do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from secondlook.accounts.models import User
from secondlook.workflow import faces
from secondlook.workflow.rules import IDENTIFIERS
from web.api_models import DraftOut
from web.deps import CheckerDep, EditorDep, SessionDep, StaffDep, require_role
from web.routers.api_drafts import done

router = APIRouter(prefix="/api/drafts/{draft_id}/faces", tags=["drafts"])
IdentifierDep = Annotated[User, Depends(require_role(*IDENTIFIERS))]


class FaceIn(BaseModel):
    photo: int = Field(ge=1, description="which photo, counting from 1")
    face: int = Field(ge=1, description="which face on it, as numbered on the photo (from 1)")
    expected_revision: int | None = Field(default=None, description="refuse if not current")


class IdentifyIn(FaceIn):
    upn: str = Field(min_length=1, description="the learner's UPN on the register")


@router.post("/blur", summary="Blur this face (a new revision with a blurred copy)")
def blur(draft_id: int, body: FaceIn, session: SessionDep, checker: CheckerDep,
         user: EditorDep) -> DraftOut:
    return done(session, user, lambda: faces.blur_faces(
        session=session, draft_id=draft_id, user=user, image=body.photo - 1,
        faces=[body.face - 1], checker=checker, expected_revision=body.expected_revision))


@router.post("/not-learner", summary="Say a face is not a learner (an adult or a visitor); "
             "the approver sees who said so")
def not_learner(draft_id: int, body: FaceIn, session: SessionDep, checker: CheckerDep,
                user: EditorDep) -> DraftOut:
    return done(session, user, lambda: faces.not_a_learner(
        session=session, draft_id=draft_id, user=user, image=body.photo - 1,
        face=body.face - 1, checker=checker, expected_revision=body.expected_revision))


@router.post("/identify", summary="Say which learner a face is (admin, headteacher, DSL); "
             "that learner's photo consent then applies")
def identify(draft_id: int, body: IdentifyIn, session: SessionDep, checker: CheckerDep,
             user: IdentifierDep) -> DraftOut:
    return done(session, user, lambda: faces.identify(
        session=session, draft_id=draft_id, user=user, image=body.photo - 1,
        face=body.face - 1, upn=body.upn, checker=checker,
        expected_revision=body.expected_revision))


@router.post("/undo", summary="Take back the decision about a face (a blur: the photo from "
             "before it comes back)")
def undo(draft_id: int, body: FaceIn, session: SessionDep, checker: CheckerDep,
         user: StaffDep) -> DraftOut:
    return done(session, user, lambda: faces.undo(
        session=session, draft_id=draft_id, user=user, image=body.photo - 1,
        face=body.face - 1, checker=checker, expected_revision=body.expected_revision))
