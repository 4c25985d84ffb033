"""Read models: a draft with its current revision, images and live decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlmodel import Session, col, select

from consent_store.db import split_list
from moderation.draft import Draft, DraftImage
from secondlook.workflow.checking import PHOTO_PENDING
from secondlook.workflow.errors import NotFound
from secondlook.workflow.images import stored
from secondlook.workflow.models import (
    Decision,
    DecisionKind,
    DraftRecord,
    DraftState,
    ImageBlob,
    Revision,
    RevisionImage,
)


@dataclass(frozen=True, slots=True)
class Status:
    """The one line a page shows for where a draft stands, derived from its state alone."""

    key: str  # a CSS class and a stable name: "waiting-approval", "ready", ...
    text: str


def signer_words(safeguarding: bool) -> str:
    return ("the headteacher or the safeguarding lead" if safeguarding
            else "the headteacher")


def draft_status(*, state: str, verdict: str, approved: bool, signed_off: bool,
                 expired: bool = False, safeguarding: bool = False) -> Status:
    """What the draft needs next, in words, from its state and its live decisions."""
    signer = signer_words(safeguarding)
    if state == DraftState.SUBMITTED:
        return _waiting(verdict == "review", approved, signed_off, expired, signer)
    if state == DraftState.DRAFT:
        return (Status("blocked", "Draft: change what the checks marked before submitting")
                if verdict == "block" else Status("draft", "Draft: not submitted yet"))
    return {
        DraftState.RETURNED: Status("returned", "Returned to the author for changes"),
        DraftState.APPROVED: Status("ready", "Approved and signed off: ready to release"
                                    if verdict == "review" else "Approved: ready to release"),
        DraftState.RELEASING: Status("releasing", "Being released"),
        DraftState.RELEASED: Status("released", "Released"),
        DraftState.REJECTED: Status("rejected", "Rejected: it will not be published"),
    }.get(DraftState(state), Status(state, state))


def _waiting(flagged: bool, approved: bool, signed_off: bool, expired: bool,
             signer: str) -> Status:
    colleague = ("its approval expired: a colleague must approve it again" if expired
                 else "a colleague's approval")
    if not flagged:
        return Status("expired" if expired else "waiting-approval",
                      f"Waiting for {colleague}")
    if approved:
        return Status("waiting-signoff", f"Approved; waiting for {signer}'s sign-off")
    if signed_off:
        return Status("waiting-approval", f"Signed off; waiting for {colleague}")
    return Status("expired" if expired else "waiting-both",
                  f"Waiting for {colleague} and {signer}'s sign-off")


@dataclass
class DraftView:
    """Everything the rules look at for one draft, loaded in a handful of queries."""

    draft: DraftRecord
    revision: Revision
    images: list[RevisionImage]
    editors: dict[int, int]  # user id -> latest revision number they made
    decisions: list[Decision]  # not voided; for the current revision only
    returns: list[Decision] = field(default_factory=list)  # latest first, kept across edits
    expired: bool = False  # its approval expired (and nothing has happened since)

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

    @property
    def photos_unchecked(self) -> list[int]:
        """The photos (0-based) whose faces the photo-check job has still to check."""
        return [f["image"] for f in self.report.get("findings", [])
                if f.get("rule") == PHOTO_PENDING]

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

    @property
    def status(self) -> Status:
        return draft_status(state=self.draft.state, verdict=self.verdict,
                            approved=bool(self.approvals), signed_off=bool(self.sign_offs),
                            expired=self.expired, safeguarding=self.revision.safeguarding)


def approval_expired(decisions: list[Decision], revision: int) -> bool:
    """The newest approval of this revision no longer counts and no return followed it:
    only expiry voids an approval without a new revision or a return."""
    for d in decisions:  # newest first
        if d.kind in (DecisionKind.RETURN, DecisionKind.REJECT):
            return False
        if d.kind == DecisionKind.APPROVE and d.revision == revision:
            return d.voided_at is not None
    return False


def load_view(session: Session, draft_id: int) -> DraftView:
    draft = session.get(DraftRecord, draft_id, populate_existing=True)
    if draft is None:
        raise NotFound(f"there is no draft {draft_id}")
    if draft.state == DraftState.DELETED:
        raise NotFound(f"draft {draft_id} was deleted by its author; its history is kept "
                       "in the audit log")
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
    expired = (draft.state == DraftState.SUBMITTED and not any(
        d.kind == DecisionKind.APPROVE for d in live)
        and approval_expired(decisions, revision.number))
    return DraftView(draft, revision, images, editors, live, returns, expired)


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
