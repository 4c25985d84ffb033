"""POST /api/check: the same report as ``secondlook check --json``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, HTTPException

from moderation.draft import Draft, DraftError, DraftImage, require_usable_text
from moderation.pipeline import check
from web.api_models import DraftIn
from web.deps import CheckerDep, CurrentUserDep, SessionDep

router = APIRouter(prefix="/api", tags=["check"])


def _draft(body: DraftIn) -> Draft:
    """The draft to check; its photos come as data (a check stores nothing). An empty or
    over-long text is refused first, before any photo is decoded or any text parsed."""
    require_usable_text(body.text, has_images=bool(body.images), where="'text'")
    images = []
    for n, img in enumerate(body.images):
        if img.sha256 or not img.data_base64:
            raise DraftError(f"images[{n}] needs data_base64: a check takes the photo itself")
        try:
            data = base64.b64decode(img.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DraftError(f"images[{n}].data_base64 is not valid base64") from exc
        images.append(DraftImage(data=data, alt=img.alt, name=img.name or f"image {n + 1}"))
    return Draft.create(body.text, images, body.channels)


@router.post("/check", summary="Check a draft and return the report")
def api_check(
    body: DraftIn, session: SessionDep, checker: CheckerDep, _user: CurrentUserDep
) -> dict[str, Any]:
    try:
        draft = _draft(body)
    except DraftError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return check(draft, checker.snapshot(session), checker.engine).to_dict()
