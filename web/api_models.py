"""JSON shapes of the workflow API (and of the check endpoint, which takes the same draft).

Responses are built from explicit ``*Out`` models so nothing else of a row (a password
hash, image bytes) can reach a client by accident.
"""

from __future__ import annotations

import base64
import binascii
import copy
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from moderation.draft import DraftImage
from secondlook.accounts.models import Role, User
from secondlook.workflow.errors import InvalidContent
from secondlook.workflow.image_access import readable_image
from secondlook.workflow.models import Decision, DecisionKind
from secondlook.workflow.rules import allowed_actions
from secondlook.workflow.views import DraftView


class ImageIn(BaseModel):
    data_base64: str | None = Field(default=None, description="a new photo, base64-encoded")
    sha256: str | None = Field(default=None, description="or keep a stored photo of the draft")
    alt: str = ""
    name: str = ""


class DraftIn(BaseModel):
    text: str = ""
    channels: list[str] | None = Field(default=None, description="default: all three")
    images: list[ImageIn] = Field(default_factory=list)


class RevisionIn(BaseModel):
    """Only what is given changes; ``images`` replaces the whole list (keep photos by sha256)."""

    text: str | None = None
    channels: list[str] | None = None
    images: list[ImageIn] | None = None
    expected_revision: int | None = Field(default=None, description="refuse if not current")


class DecisionIn(BaseModel):
    content_sha256: str = Field(description="the content hash of the revision you read")


class SignOffIn(DecisionIn):
    reason: str


class ReasonIn(BaseModel):
    reason: str


class BlurIn(BaseModel):
    photo: int = Field(ge=1, description="which photo, counting from 1")


class DropChannelIn(BaseModel):
    channel: str


class ImageOut(BaseModel):
    position: int
    sha256: str
    alt: str
    name: str
    url: str


class DecisionOut(BaseModel):
    kind: str
    user: str
    role: str
    reason: str
    revision: int
    created_at: datetime


class DraftOut(BaseModel):
    id: int
    state: str
    author: str
    revision: int
    content_sha256: str
    verdict: str
    safeguarding: bool
    text: str
    channels: list[str]
    images: list[ImageOut]
    report: dict[str, Any]
    system_edit: str
    approvals: list[DecisionOut]
    sign_offs: list[DecisionOut]
    returns: list[DecisionOut]
    actions: list[str] = Field(description="what the requesting user may do now")
    created_at: datetime
    submitted_at: datetime | None
    released_at: datetime | None


class AuditEntryOut(BaseModel):
    position: int
    created_at: datetime
    actor: str
    action: str
    revision: int | None
    content_sha256: str
    detail: dict[str, Any]
    entry_sha256: str


def images_in(session: Session, images: list[ImageIn], user: User) -> list[DraftImage]:
    """New photos from base64; kept ones by sha256, only from drafts ``user`` may read."""
    out = []
    for n, img in enumerate(images):
        name = img.name or f"photo {n + 1}"
        if img.sha256:
            out.append(readable_image(session=session, user=user, sha256=img.sha256,
                                      alt=img.alt, name=name))
            continue
        try:
            data = base64.b64decode(img.data_base64 or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidContent(f"images[{n}].data_base64 is not valid base64") from exc
        if not data:
            raise InvalidContent(f"images[{n}] needs data_base64 (a new photo) or sha256")
        out.append(DraftImage(data=data, alt=img.alt, name=name))
    return out


def _decision(d: Decision, names: dict[int, str]) -> DecisionOut:
    return DecisionOut(kind=d.kind, user=names.get(d.user_id, "?"), role=d.role,
                       reason=d.reason, revision=d.revision, created_at=d.created_at)


# Who may see learners' UPNs in a report: the register's keepers and the people who sign
# off what the checks flag. Authors and approvers see the findings, names and all.
SEES_UPNS = frozenset({Role.ADMIN, Role.HEADTEACHER, Role.DSL})


def without_upns(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of the report with every ``learner`` (a UPN) set to null: findings and faces."""
    report = copy.deepcopy(report)
    for finding in report.get("findings", []):
        finding["learner"] = None
    for image in report.get("images", []):
        for face in image.get("faces", []):
            face["learner"] = None
    return report


def sees_upns(user: User) -> bool:
    return bool(user.role_set() & SEES_UPNS)


def report_for(user: User, report: dict[str, Any]) -> dict[str, Any]:
    return report if sees_upns(user) else without_upns(report)


def detail_for(user: User, detail: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's detail as ``user`` may read it: the UPN (a face identified) is null
    for those who do not see UPNs in reports either."""
    return detail if sees_upns(user) or "upn" not in detail else {**detail, "upn": None}


def draft_out(session: Session, view: DraftView, user: User) -> DraftOut:
    """The draft as the API returns it; call before committing (rows expire on commit)."""
    ids = {view.draft.author_id, *(d.user_id for d in view.decisions + view.returns)}
    names = dict(session.exec(select(User.id, User.username).where(col(User.id).in_(ids))).all())
    d, r = view.draft, view.revision
    return DraftOut(
        id=view.id, state=d.state, author=names.get(d.author_id, "?"), revision=r.number,
        content_sha256=r.content_sha256, verdict=r.verdict, safeguarding=r.safeguarding,
        text=r.text, channels=view.channels, report=report_for(user, view.report),
        system_edit=r.system_edit,
        images=[ImageOut(position=i.position, sha256=i.sha256, alt=i.alt, name=i.name,
                         url=f"/drafts/{view.id}/images/{i.sha256}") for i in view.images],
        approvals=[_decision(x, names) for x in view.approvals],
        sign_offs=[_decision(x, names) for x in view.of_kind(DecisionKind.SIGN_OFF)],
        returns=[_decision(x, names) for x in view.returns],
        actions=sorted(allowed_actions(user, view)),
        created_at=d.created_at, submitted_at=d.submitted_at, released_at=d.released_at,
    )
