"""Read models: a draft with its current revision, images and live decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlmodel import Session, col, select

from consent_store.db import split_list
from moderation.draft import Draft, DraftImage
from secondlook.workflow.errors import NotFound
from secondlook.workflow.images import stored
from secondlook.workflow.models import (
    Decision,
    DecisionKind,
    DraftRecord,
    ImageBlob,
    Revision,
    RevisionImage,
)


@dataclass
class DraftView:
    """Everything the rules look at for one draft, loaded in a handful of queries."""

    draft: DraftRecord
    revision: Revision
    images: list[RevisionImage]
    editors: dict[int, int]  # user id -> latest revision number they made
    decisions: list[Decision]  # not voided; for the current revision only
    returns: list[Decision] = field(default_factory=list)  # latest first, kept across edits

    @property
    def id(self) -> int:
        assert self.draft.id is not None
        return self.draft.id

    @property
    def content_sha256(self) -> str:
        return self.revision.content_sha256

    @property
    def verdict(self) -> str:
        return self.revision.verdict

    @property
    def channels(self) -> list[str]:
        return [c for c in self.revision.channels.split(";") if c]

    @cached_property
    def report(self) -> dict[str, Any]:
        return json.loads(self.revision.report_json)

    def of_kind(self, kind: DecisionKind) -> list[Decision]:
        return [d for d in self.decisions if d.kind == kind]

    @property
    def approvals(self) -> list[Decision]:
        return self.of_kind(DecisionKind.APPROVE)

    @property
    def sign_offs(self) -> list[Decision]:
        return self.of_kind(DecisionKind.SIGN_OFF)

    @property
    def needs_sign_off(self) -> bool:
        return self.verdict == "review"

    @property
    def requirements_met(self) -> bool:
        """Approved by a colleague and, for a review verdict, signed off."""
        if self.verdict == "block" or not self.approvals:
            return False
        return bool(self.sign_offs) or not self.needs_sign_off


def load_view(session: Session, draft_id: int) -> DraftView:
    draft = session.get(DraftRecord, draft_id, populate_existing=True)
    if draft is None:
        raise NotFound(f"there is no draft {draft_id}")
    revision = session.exec(select(Revision).where(
        Revision.draft_id == draft_id, Revision.number == draft.current_revision)).one()
    images = list(session.exec(select(RevisionImage).where(
        RevisionImage.revision_id == revision.id).order_by(col(RevisionImage.position))))
    editors: dict[int, int] = {}
    for user_id, number in session.exec(select(Revision.edited_by_id, Revision.number).where(
            Revision.draft_id == draft_id)):
        editors[user_id] = max(number, editors.get(user_id, 0))
    # populate_existing: the services change decisions with UPDATE, not through the ORM
    decisions = list(session.exec(select(Decision).where(
        Decision.draft_id == draft_id).order_by(col(Decision.id).desc())
        .execution_options(populate_existing=True)))
    live = [d for d in decisions if d.voided_at is None and d.revision == revision.number
            and d.content_sha256 == revision.content_sha256]
    returns = [d for d in decisions if d.kind in (DecisionKind.RETURN, DecisionKind.REJECT)]
    return DraftView(draft, revision, images, editors, live, returns)


def moderation_draft(session: Session, view: DraftView) -> Draft:
    """The current revision as the checks and the channel adapters see it."""
    return Draft(
        text=view.revision.text,
        images=tuple(image_input(session, img.sha256, img.alt, img.name) for img in view.images),
        channels=tuple(view.channels),
    )


def image_input(session: Session, sha256: str, alt: str, name: str = "") -> DraftImage:
    """A stored image as a draft image, e.g. to keep a photo and change only its alt text."""
    blob = session.get(ImageBlob, sha256)
    if blob is None:
        raise NotFound(f"there is no stored image {sha256[:12]}…; upload it again")
    return stored(blob.data, blob.media_type, split_list(blob.metadata_removed)).as_draft_image(
        alt, name)
