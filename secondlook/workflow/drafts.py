"""Workflow services: create, revise, submit, approve, sign off, return, reject, release.

Every service takes keyword-only arguments and a session, checks the rules in
``rules.py``, then moves the draft with a compare-and-set UPDATE on its
``version``: of two requests that saw the same version only one changes the
draft, the other gets ``Conflict`` (409). That is what makes releasing happen
exactly once under concurrent requests, on SQLite and PostgreSQL alike. The
services flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, col, update

from consent_store.db import split_list as split
from consent_store.models import utcnow
from moderation.checks.image import photo_label
from moderation.draft import Draft, DraftError, DraftImage
from moderation.pipeline import Engine
from moderation.report import FaceBox
from secondlook.accounts.models import Role, User
from secondlook.workflow import audit, rules
from secondlook.workflow.checking import CheckedContent, run_checks
from secondlook.workflow.errors import Conflict, InvalidContent, InvalidTransition
from secondlook.workflow.images import (
    BlurNotAvailable,
    ProcessedImage,
    blurred_copy,
    process_upload,
)
from secondlook.workflow.models import (
    Decision,
    DecisionKind,
    DraftRecord,
    DraftState,
    ImageBlob,
    Revision,
    RevisionImage,
)
from secondlook.workflow.views import DraftView, load_view, moderation_draft


class Content:
    """Validated, processed content and its check results, computed before any write."""

    def __init__(self, draft: Draft, blobs: list[ProcessedImage],
                 checked: CheckedContent) -> None:
        self.draft = draft
        self.blobs = blobs  # per photo: media type and the metadata its upload carried
        self.checked = checked


def _process(session: Session, images: Sequence[DraftImage],
             final: dict[str, ProcessedImage]) -> list[tuple[DraftImage, ProcessedImage]]:
    """Each photo as it will be published; stored photos are never re-encoded."""
    out = []
    for n, img in enumerate(images):
        stored = session.get(ImageBlob, img.sha256)
        if stored is not None:
            done = ProcessedImage(stored.data, stored.media_type, split(stored.metadata_removed))
        elif img.sha256 in final:
            done = final[img.sha256]
        else:
            try:
                done = process_upload(img.data, photo_label(n, img.name))
            except ValueError as exc:  # ImageRejected: says what is wrong and what to do
                raise InvalidContent(f"{exc} {getattr(exc, 'suggestion', '')}".strip()) from exc
        out.append((DraftImage(data=done.data, alt=img.alt, name=img.name), done))
    return out


def _content(session: Session, *, text: str, channels: Sequence[str] | None,
             images: Sequence[DraftImage], engine: Engine, today: date | None,
             final: dict[str, ProcessedImage] | None = None) -> Content:
    if not text.strip() and not images:
        raise InvalidContent("a draft needs text or at least one photo")
    processed = _process(session, images, final or {})
    try:
        draft = Draft.create(text, [p[0] for p in processed], list(channels or []) or None)
    except DraftError as exc:
        raise InvalidContent(str(exc)) from exc
    blobs = [p[1] for p in processed]
    checked = run_checks(session=session, draft=draft, engine=engine, today=today,
                         removed=[b.metadata_removed for b in blobs])
    return Content(draft, blobs, checked)


def _store_revision(session: Session, *, draft_id: int, number: int, content: Content,
                    user: User, system_edit: str) -> Revision:
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
    for position, img in enumerate(draft.images):
        if session.get(ImageBlob, img.sha256) is None:
            blob = content.blobs[position]
            session.add(ImageBlob(sha256=img.sha256, data=img.data, media_type=blob.media_type,
                                  metadata_removed=";".join(blob.metadata_removed)))
            session.flush()  # two identical photos in one draft share one blob
        session.add(RevisionImage(revision_id=revision.id, position=position, sha256=img.sha256,
                                  alt=img.alt, name=img.name))
    session.flush()
    return revision


def _advance(session: Session, view: DraftView, state: DraftState, **values: Any) -> None:
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


def _require_fresh(session: Session, view: DraftView, engine: Engine | None) -> None:
    """With an engine, a stale report is re-checked here and, if unchanged, confirmed."""
    from secondlook.workflow.recheck import reconfirm, require_fresh

    if engine is not None:
        reconfirm(session, view, engine)
    require_fresh(session, view)


def _audit(session: Session, view: DraftView, user: User | None, action: str,
           **detail: Any) -> None:
    audit.append(session=session, actor=user, action=action, draft_id=view.id,
                 revision=view.revision.number, content_sha256=view.content_sha256,
                 detail=detail)


def create_draft(
    *, session: Session, author: User, text: str, channels: Sequence[str] | None = None,
    images: Sequence[DraftImage] = (), engine: Engine, today: date | None = None,
) -> DraftView:
    """A new draft with its first revision, already checked. Channels default to all."""
    rules.require_role(author, Role.AUTHOR)
    content = _content(session, text=text, channels=channels, images=images, engine=engine,
                       today=today)
    assert author.id is not None
    record = DraftRecord(author_id=author.id, state=DraftState.DRAFT)
    session.add(record)
    session.flush()
    assert record.id is not None
    _store_revision(session, draft_id=record.id, number=1, content=content, user=author,
                    system_edit="")
    view = load_view(session, record.id)
    _audit(session, view, author, "created", verdict=view.verdict, channels=view.channels,
           images=len(view.images))
    return view


def get_draft(*, session: Session, draft_id: int, user: User) -> DraftView:
    view = load_view(session, draft_id)
    rules.require_view(user, view)
    return view


def _void_decisions(session: Session, view: DraftView) -> int:
    """An edit or a return makes every approval and sign-off of the draft stale."""
    stmt = (
        update(Decision)
        .where(col(Decision.draft_id) == view.id, col(Decision.voided_at).is_(None),
               col(Decision.kind).in_([DecisionKind.APPROVE, DecisionKind.SIGN_OFF]))
        .values(voided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(session.exec(stmt).rowcount)


def _state_after_edit(view: DraftView, verdict: str) -> DraftState:
    state = DraftState(view.draft.state)
    if state == DraftState.APPROVED:
        state = DraftState.SUBMITTED  # approvals are void: it needs a new one
    if state == DraftState.SUBMITTED and verdict == "block":
        state = DraftState.DRAFT  # nobody may approve it: back to the author
    return state


def revise(
    *, session: Session, draft_id: int, user: User, engine: Engine, text: str | None = None,
    channels: Sequence[str] | None = None, images: Sequence[DraftImage] | None = None,
    system_edit: str = "", expected_revision: int | None = None, today: date | None = None,
    _final: dict[str, ProcessedImage] | None = None,
) -> DraftView:
    """A new revision with whatever is given changed; voids every approval and sign-off.

    ``system_edit`` describes an edit the system made on the user's behalf (a blurred
    copy, a dropped channel). Unchanged content makes no revision.
    """
    view = load_view(session, draft_id)
    rules.can_edit(user, view)
    if expected_revision is not None and expected_revision != view.revision.number:
        raise Conflict(f"draft {draft_id} is at revision {view.revision.number}, not "
                       f"{expected_revision}: reload it before editing")
    now = moderation_draft(session, view)
    content = _content(
        session, text=now.text if text is None else text,
        channels=now.channels if channels is None else channels,
        images=now.images if images is None else images, engine=engine, today=today,
        final=_final)
    if content.draft.content_sha256() == view.content_sha256:
        return view
    state = _state_after_edit(view, str(content.checked.report.verdict))
    _advance(session, view, state, current_revision=view.revision.number + 1)
    _store_revision(session, draft_id=draft_id, number=view.revision.number + 1,
                    content=content, user=user, system_edit=system_edit)
    voided = _void_decisions(session, view)
    new = load_view(session, draft_id)
    _audit(session, new, user, "revised", revision_from=view.revision.number,
           verdict=new.verdict, system_edit=system_edit, approvals_voided=voided,
           channels=new.channels, to=str(state))
    return new


def drop_channel(*, session: Session, draft_id: int, user: User, channel: str,
                 engine: Engine, today: date | None = None) -> DraftView:
    """One-click fix: stop posting to one channel (a system edit, so a new revision)."""
    view = load_view(session, draft_id)
    if channel not in view.channels:
        raise InvalidContent(f"draft {draft_id} is not going to {channel!r}")
    if view.channels == [channel]:
        raise InvalidContent(f"{channel} is the only channel of draft {draft_id}: "
                             "pick another before dropping it")
    rest = [c for c in view.channels if c != channel]
    return revise(session=session, draft_id=draft_id, user=user, engine=engine, channels=rest,
                  system_edit=f"stopped posting to {channel}", today=today)


def apply_blurred_copy(*, session: Session, draft_id: int, user: User, image: int,
                       engine: Engine, today: date | None = None) -> DraftView:
    """One-click fix: replace photo ``image`` (0-based) with a copy whose faces are blurred."""
    view = load_view(session, draft_id)
    rules.can_edit(user, view)
    if not 0 <= image < len(view.images):
        raise InvalidContent(f"draft {draft_id} has no photo {image + 1}")
    current = list(moderation_draft(session, view).images)
    faces = [f for r in view.report.get("images", []) if r["index"] == image for f in r["faces"]]
    boxes = [FaceBox(**f["box"]) for f in faces]
    if not boxes:
        raise InvalidContent(f"no faces were found in photo {image + 1}: nothing to blur")
    stored = session.get(ImageBlob, view.images[image].sha256)
    removed = split(stored.metadata_removed) if stored else ()
    try:
        out = blurred_copy(current[image].data, boxes, removed)
    except BlurNotAvailable as exc:
        raise InvalidTransition(str(exc)) from exc
    current[image] = DraftImage(data=out.data, alt=current[image].alt, name=current[image].name)
    return revise(session=session, draft_id=draft_id, user=user, engine=engine, images=current,
                  system_edit=f"blurred {len(boxes)} face(s) in photo {image + 1}",
                  today=today, _final={out.sha256: out})


def submit(*, session: Session, draft_id: int, user: User) -> DraftView:
    view = load_view(session, draft_id)
    rules.can_submit(user, view)
    _advance(session, view, DraftState.SUBMITTED, submitted_at=utcnow())
    _audit(session, view, user, "submitted", verdict=view.verdict, to="submitted")
    return load_view(session, draft_id)


def _decide(session: Session, view: DraftView, user: User, kind: DecisionKind,
            state: DraftState, *, role: str = "", reason: str = "") -> DraftView:
    assert user.id is not None
    _advance(session, view, state)
    session.add(Decision(draft_id=view.id, revision=view.revision.number,
                         content_sha256=view.content_sha256, kind=kind, user_id=user.id,
                         role=role, reason=reason))
    session.flush()
    return load_view(session, view.id)


def approve(*, session: Session, draft_id: int, user: User, content_sha256: str,
            engine: Engine | None = None) -> DraftView:
    """A second colleague approves exactly the content (hash) they saw.

    If the register changed since the check, the report must still hold: given an
    ``engine`` it is re-checked here; otherwise, or if it changed, ``Conflict``.
    """
    view = load_view(session, draft_id)
    rules.can_approve(user, view)
    rules.require_current(view, content_sha256)
    _require_fresh(session, view, engine)
    done = bool(view.sign_offs) or not view.needs_sign_off
    state = DraftState.APPROVED if done else DraftState.SUBMITTED
    new = _decide(session, view, user, DecisionKind.APPROVE, state, role=Role.APPROVER)
    _audit(session, new, user, "approved", verdict=new.verdict, to=str(state))
    return new


def sign_off(*, session: Session, draft_id: int, user: User, content_sha256: str,
             reason: str, engine: Engine | None = None) -> DraftView:
    """The headteacher (or the DSL, for safeguarding findings) accepts a review verdict."""
    view = load_view(session, draft_id)
    role = rules.can_sign_off(user, view)
    reason = rules.require_reason(reason, "sign off")
    rules.require_current(view, content_sha256)
    _require_fresh(session, view, engine)
    state = DraftState.APPROVED if view.approvals else DraftState.SUBMITTED
    new = _decide(session, view, user, DecisionKind.SIGN_OFF, state, role=role, reason=reason)
    _audit(session, new, user, "signed off", role=str(role), reason=reason, to=str(state))
    return new


def return_draft(*, session: Session, draft_id: int, user: User, reason: str) -> DraftView:
    """Send back to the author with a reason; approvals and sign-offs lapse."""
    view = load_view(session, draft_id)
    rules.can_return(user, view)
    reason = rules.require_reason(reason, "return a draft")
    new = _decide(session, view, user, DecisionKind.RETURN, DraftState.RETURNED, reason=reason)
    voided = _void_decisions(session, view)
    _audit(session, new, user, "returned", reason=reason, approvals_voided=voided,
           to="returned")
    return load_view(session, draft_id)


def reject(*, session: Session, draft_id: int, user: User, reason: str) -> DraftView:
    """Final: the draft will not be published."""
    view = load_view(session, draft_id)
    role = rules.can_reject(user, view)
    reason = rules.require_reason(reason, "reject a draft")
    new = _decide(session, view, user, DecisionKind.REJECT, DraftState.REJECTED, role=role,
                  reason=reason)
    _audit(session, new, user, "rejected", role=str(role), reason=reason, to="rejected")
    return new


def claim_release(*, session: Session, draft_id: int, user: User,
                  engine: Engine | None = None) -> DraftView:
    """Take the single right to publish; a second claim gets Conflict or InvalidTransition.

    Publish only after this returns, then call ``mark_released`` (or
    ``abandon_release`` if publishing failed).
    """
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.APPROVED})
    _require_fresh(session, view, engine)
    _advance(session, view, DraftState.RELEASING)
    _audit(session, view, user, "release started", to="releasing", channels=view.channels)
    return load_view(session, draft_id)


def mark_released(*, session: Session, draft_id: int, user: User,
                  links: dict[str, str] | None = None,
                  engine: Engine | None = None) -> DraftView:
    """Record the release (from approved for a manual export, or after ``claim_release``)."""
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.APPROVED, DraftState.RELEASING})
    if view.draft.state == DraftState.APPROVED:  # once claimed, publishing must finish
        _require_fresh(session, view, engine)
    _advance(session, view, DraftState.RELEASED, released_at=utcnow(),
             released_sha256=view.content_sha256)
    _audit(session, view, user, "released", to="released", channels=view.channels,
           links=dict(links or {}))
    return load_view(session, draft_id)


def abandon_release(*, session: Session, draft_id: int, user: User, note: str) -> DraftView:
    """Publishing failed after a claim: back to approved so it can be tried again."""
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.RELEASING})
    _advance(session, view, DraftState.APPROVED)
    _audit(session, view, user, "release failed", to="approved", note=note[:500])
    return load_view(session, draft_id)
