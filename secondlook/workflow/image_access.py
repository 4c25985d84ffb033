"""Re-using a stored photo by its sha256 (to keep a photo, or put it in another draft).

Only a photo of a draft the caller may read can be re-used: otherwise anyone who learned a
hash (from a report, a log, a link) could attach a colleague's photo to a draft of their
own and download it from there. An unknown and a forbidden hash get the same answer.
"""

from __future__ import annotations

from sqlmodel import Session, select

from moderation.draft import DraftImage
from secondlook.accounts.models import User
from secondlook.workflow.errors import Forbidden, NotFound
from secondlook.workflow.models import Revision, RevisionImage
from secondlook.workflow.rules import require_view
from secondlook.workflow.views import image_input, load_view


def readable_image(*, session: Session, user: User, sha256: str, alt: str,
                   name: str = "") -> DraftImage:
    drafts = session.exec(
        select(Revision.draft_id).join(RevisionImage, RevisionImage.revision_id == Revision.id)
        .where(RevisionImage.sha256 == sha256).distinct())
    for draft_id in drafts:
        try:
            require_view(user, load_view(session, draft_id))
        except Forbidden:
            continue
        return image_input(session, sha256, alt, name)
    raise NotFound(f"there is no stored image {sha256[:12]}…; upload it again")
