"""A decision for every face, from the draft page: blur this face, undo, not a learner,
this is learner X. Each is a new revision; the rules (who may) are the workflow's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from secondlook.accounts.models import User
from secondlook.workflow import faces
from secondlook.workflow.rules import IDENTIFIERS
from web.deps import CheckerDep, EditorDep, SessionDep, StaffDep, require_role
from web.errors import workflow_errors

router = APIRouter(prefix="/drafts/{draft_id}/faces", tags=["drafts"])
Number = Annotated[int, Form()]
IdentifierDep = Annotated[User, Depends(require_role(*IDENTIFIERS))]


def _back(draft_id: int, image: int) -> Response:
    return RedirectResponse(f"/drafts/{draft_id}#photo-{image + 1}", status_code=303)


@router.post("/blur", summary="Blur this face (a new revision with a blurred copy)")
def blur(draft_id: int, session: SessionDep, checker: CheckerDep, user: EditorDep,
         image: Number, face: Number, revision: Number) -> Response:
    with workflow_errors(session):
        faces.blur_faces(session=session, draft_id=draft_id, user=user, image=image,
                         faces=[face], checker=checker, expected_revision=revision)
        session.commit()
    return _back(draft_id, image)


@router.post("/not-learner", summary="Say a face is not a learner (an adult or a visitor)")
def not_learner(draft_id: int, session: SessionDep, checker: CheckerDep, user: EditorDep,
                image: Number, face: Number, revision: Number) -> Response:
    with workflow_errors(session):
        faces.not_a_learner(session=session, draft_id=draft_id, user=user, image=image,
                            face=face, checker=checker, expected_revision=revision)
        session.commit()
    return _back(draft_id, image)


@router.post("/identify", summary="Say which learner a face is (admin, headteacher, DSL)")
def identify(draft_id: int, session: SessionDep, checker: CheckerDep, user: IdentifierDep,
             image: Number, face: Number, revision: Number,
             upn: Annotated[str, Form()] = "") -> Response:
    with workflow_errors(session):
        faces.identify(session=session, draft_id=draft_id, user=user, image=image, face=face,
                       upn=upn, checker=checker, expected_revision=revision)
        session.commit()
    return _back(draft_id, image)


@router.post("/undo", summary="Take back the decision about a face (a blur: the photo "
             "from before it comes back)")
def undo(draft_id: int, session: SessionDep, checker: CheckerDep, user: StaffDep,
         image: Number, face: Number, revision: Number) -> Response:
    with workflow_errors(session):
        faces.undo(session=session, draft_id=draft_id, user=user, image=image, face=face,
                   checker=checker, expected_revision=revision)
        session.commit()
    return _back(draft_id, image)
