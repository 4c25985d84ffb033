"""POST /api/check: the same report as ``secondlook check --json``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from moderation.draft import Draft, DraftError, DraftImage
from moderation.pipeline import check
from secondlook.workflow.snapshots import current_snapshot
from web.deps import CurrentUserDep, ModerationDep, SessionDep

router = APIRouter(prefix="/api", tags=["check"])


class CheckImageIn(BaseModel):
    data_base64: str = Field(description="the image file, base64-encoded")
    alt: str = ""
    name: str = ""


class CheckDraftIn(BaseModel):
    text: str = ""
    channels: list[str] | None = Field(default=None, description="default: all three")
    images: list[CheckImageIn] = Field(default_factory=list)


def _draft(body: CheckDraftIn) -> Draft:
    images = []
    for n, img in enumerate(body.images):
        try:
            data = base64.b64decode(img.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DraftError(f"images[{n}].data_base64 is not valid base64") from exc
        images.append(DraftImage(data=data, alt=img.alt, name=img.name or f"image {n + 1}"))
    return Draft.create(body.text, images, body.channels)


@router.post("/check", summary="Check a draft and return the report")
def api_check(
    body: CheckDraftIn, session: SessionDep, engine: ModerationDep, _user: CurrentUserDep
) -> dict[str, Any]:
    try:
        draft = _draft(body)
    except DraftError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    register = current_snapshot(session)
    return check(draft, register, engine).to_dict()
