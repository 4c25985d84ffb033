"""POST /api/check: the same report as ``secondlook check --json``.

It reads the register, so only authors (who write posts) and admins (who keep the
register) may use it; an author's copy names learners but carries no UPNs (``learner`` is
null), as the register's keys are the admin's business.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from moderation.draft import Draft, DraftError, DraftImage, require_usable_text
from moderation.images.budget import require_photo_count, require_pixel_budget
from moderation.options import CheckOptions
from moderation.pipeline import check
from secondlook.accounts.models import Role, User
from web.api_models import DraftIn, without_upns
from web.deps import CheckerDep, SessionDep, require_role

router = APIRouter(prefix="/api", tags=["check"])
RegisterReaderDep = Annotated[User, Depends(require_role(Role.AUTHOR, Role.ADMIN))]


def _draft(body: DraftIn, options: CheckOptions) -> Draft:
    """The draft to check; its photos come as data (a check stores nothing). An empty or
    over-long text, too many photos or photos over the draft's pixel budget are refused
    first, before any photo is decoded or any text parsed."""
    require_usable_text(body.text, has_images=bool(body.images), where="'text'")
    require_photo_count([img.name for img in body.images], options.images_per_draft)
    images = []
    for n, img in enumerate(body.images):
        if img.sha256 or not img.data_base64:
            raise DraftError(f"images[{n}] needs data_base64: a check takes the photo itself")
        try:
            data = base64.b64decode(img.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DraftError(f"images[{n}].data_base64 is not valid base64") from exc
        images.append(DraftImage(data=data, alt=img.alt, name=img.name or f"image {n + 1}"))
    require_pixel_budget([(b.name, i.data) for b, i in zip(body.images, images, strict=True)],
                         options.image_limits, options.image_pixels_per_draft)
    return Draft.create(body.text, images, body.channels)


@router.post("/check", summary="Check a draft and return the report")
def api_check(
    body: DraftIn, session: SessionDep, checker: CheckerDep, user: RegisterReaderDep
) -> dict[str, Any]:
    try:
        draft = _draft(body, checker.engine.options)
    except DraftError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    report = checker.for_school(session, check(draft, checker.snapshot(session),
                                               checker.engine)).to_dict()
    return report if user.has_role(Role.ADMIN) else without_upns(report)
