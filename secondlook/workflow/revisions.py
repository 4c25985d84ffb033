"""The steps every new revision shares, whoever makes it: an edit, a fix or a re-check.

A revision is immutable. Content is prepared and checked before anything is
written (``prepare``); the draft then moves with a compare-and-set on its
``version`` (``advance``), the revision and its photos are stored (``store``),
live approvals and sign-offs are voided (``void_decisions``) and the audit log
says what happened (``record``). ``replace`` runs that sequence for a draft
that already has a current revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, update

from consent_store.db import split_list
from consent_store.models import utcnow
from moderation.draft import Draft, DraftError, DraftImage, photo_label
from moderation.images.budget import UnusablePhotos, require_photo_count, require_pixel_budget
from secondlook.accounts.models import User
from secondlook.workflow import audit
from secondlook.workflow.checking import CheckedContent, Checker
from secondlook.workflow.errors import Conflict, InvalidContent
from secondlook.workflow.face_decisions import decisions_for
from secondlook.workflow.images import ProcessedImage, process_upload, stored
from secondlook.workflow.models import (
    Decision,
    DecisionKind,
    DraftRecord,
    DraftState,
    ImageBlob,
    Revision,
    RevisionImage,
)
from secondlook.workflow.views import DraftView, load_view


@dataclass(frozen=True)
class Content:
    """Validated, processed content and its check results, computed before any write."""

    draft: Draft
    blobs: list[ProcessedImage]  # per photo: what is stored, its media type, what was removed
    checked: CheckedContent


def _processed(session: Session, n: int, img: DraftImage, checker: Checker,
               final: dict[str, ProcessedImage]) -> ProcessedImage:
    """A photo as it will be published; a stored photo is never re-encoded."""
    blob = session.get(ImageBlob, img.sha256)
    if blob is not None:
        return stored(blob.data, blob.media_type, split_list(blob.metadata_removed))
    if img.sha256 in final:
        return final[img.sha256]
    try:
        return process_upload(img.data, photo_label(n, img.name),
                              checker.engine.options.image_limits)
    except ValueError as exc:  # ImageRejected: says what is wrong and what to do
        raise InvalidContent(f"{exc} {getattr(exc, 'suggestion', '')}".strip()) from exc


def require_within_limits(images: Sequence[DraftImage], checker: Checker) -> None:
    """The draft's photos together, refused from names and headers before any is decoded
    or stored: more photos than a draft may have, or more pixels than it may decode."""
    options = checker.engine.options
    try:
        require_photo_count([i.name for i in images], options.images_per_draft)
        require_pixel_budget([(i.name, i.data) for i in images], options.image_limits,
                             options.image_pixels_per_draft)
    except UnusablePhotos as exc:
        raise InvalidContent(str(exc)) from exc


def prepare(session: Session, *, text: str, channels: Sequence[str] | None,
            images: Sequence[DraftImage], checker: Checker, today: date | None = None,
            final: dict[str, ProcessedImage] | None = None,
            draft_id: int | None = None) -> Content:
    """Process the photos, build the draft and check it; raises ``InvalidContent``.

    ``draft_id``: the draft it becomes a revision of, whose decisions about the faces in
    these photos the check takes into account."""
    if not text.strip() and not images:
        raise InvalidContent("a draft needs text or at least one photo")
    if any(session.get(ImageBlob, i.sha256) is None for i in images):
        # A new photo: the draft must fit the limits as they are now (a re-check of stored
        # photos is not refused; the image check still reports what does not fit).
        require_within_limits(images, checker)
    blobs = [_processed(session, n, img, checker, final or {}) for n, img in enumerate(images)]
    try:
        draft = Draft.create(text, [b.as_draft_image(i.alt, i.name)
                                    for b, i in zip(blobs, images, strict=True)],
                             list(channels or []) or None)
    except DraftError as exc:
        raise InvalidContent(str(exc)) from exc
    decisions = decisions_for(session, draft_id, (img.sha256 for img in draft.images))
    return Content(draft, blobs, checker.run(session, draft, today, decisions))


def store(session: Session, *, draft_id: int, number: int, content: Content, user: User,
          system_edit: str) -> Revision:
    draft, checked = content.draft, content.checked
    assert user.id is not None
    revision = Revision(
        draft_id=draft_id, number=number, text=draft.text,
        channels=";".join(draft.channels), content_sha256=draft.content_sha256(),
        verdict=str(checked.report.verdict), safeguarding=checked.safeguarding,
        report_json=checked.report_json, register_version=checked.register_version,
        edited_by_id=user.id, system_edit=system_edit,
    )
    session.add(revision)
    session.flush()
    for position, (img, blob) in enumerate(zip(draft.images, content.blobs, strict=True)):
        if session.get(ImageBlob, img.sha256) is None:
            session.add(ImageBlob(sha256=img.sha256, data=img.data, media_type=blob.media_type,
                                  metadata_removed=";".join(blob.metadata_removed)))
            session.flush()  # two identical photos in one draft share one blob
        session.add(RevisionImage(revision_id=revision.id, position=position, sha256=img.sha256,
                                  alt=img.alt, name=img.name))
    session.flush()
    return revision


def advance(session: Session, view: DraftView, state: DraftState, **values: Any) -> None:
    """Compare-and-set: move the draft only if nobody moved it since we read it."""
    stmt = (
        update(DraftRecord)
        .where(col(DraftRecord.id) == view.id, col(DraftRecord.version) == view.draft.version)
        .values(version=view.draft.version + 1, state=state, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if session.exec(stmt).rowcount != 1:
        raise Conflict(f"draft {view.id} was changed by someone else just now; reload it")
    session.expire(view.draft)


def void_decisions(session: Session, view: DraftView) -> int:
    """An edit or a return makes every approval and sign-off of the draft stale."""
    stmt = (
        update(Decision)
        .where(col(Decision.draft_id) == view.id, col(Decision.voided_at).is_(None),
               col(Decision.kind).in_([DecisionKind.APPROVE, DecisionKind.SIGN_OFF]))
        .values(voided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(session.exec(stmt).rowcount)


def state_after_edit(view: DraftView, verdict: str) -> DraftState:
    state = DraftState(view.draft.state)
    if state == DraftState.APPROVED:
        state = DraftState.SUBMITTED  # approvals are void: it needs a new one
    if state == DraftState.SUBMITTED and verdict == "block":
        state = DraftState.DRAFT  # nobody may approve it: back to the author
    return state


def record(session: Session, view: DraftView, user: User | None, action: str,
           **detail: Any) -> None:
    """The audit entry of a step on this draft, at its current revision."""
    audit.append(session=session, actor=user, action=action, draft_id=view.id,
                 revision=view.revision.number, content_sha256=view.content_sha256,
                 detail=detail)


def replace(session: Session, view: DraftView, content: Content, *, editor: User,
            actor: User | None, action: str, system_edit: str, **detail: Any) -> DraftView:
    """Make ``content`` the draft's next revision: move it, store it, void decisions, record.

    ``editor`` is who the revision is attributed to; ``actor`` who the audit names
    (None: the system, e.g. a re-check after a register change).
    """
    state = state_after_edit(view, str(content.checked.report.verdict))
    number = view.revision.number + 1
    advance(session, view, state, current_revision=number)
    store(session, draft_id=view.id, number=number, content=content, user=editor,
          system_edit=system_edit[:200])
    voided = void_decisions(session, view)
    new = load_view(session, view.id)
    record(session, new, actor, action, revision_from=view.revision.number, verdict=new.verdict,
           system_edit=system_edit, approvals_voided=voided, to=str(state), **detail)
    return new
