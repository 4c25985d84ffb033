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

from sqlmodel import Session

from consent_store.channels import CHANNELS, label
from consent_store.models import utcnow
from moderation.draft import MAX_TEXT_CHARS, DraftImage, UnusableText, require_usable_text
from secondlook.accounts.models import Role, User
from secondlook.mail.outbox import enqueue_draft_event
from secondlook.workflow import faces, rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import Conflict, InvalidContent
from secondlook.workflow.images import ProcessedImage
from secondlook.workflow.models import Decision, DecisionKind, DraftRecord, DraftState
from secondlook.workflow.queues import post_title
from secondlook.workflow.recheck import reconfirm
from secondlook.workflow.revisions import (
    advance,
    prepare,
    record,
    replace,
    store,
    void_decisions,
)
from secondlook.workflow.views import DraftView, load_view, moderation_draft


def create_draft(
    *, session: Session, author: User, text: str, channels: Sequence[str] | None = None,
    images: Sequence[DraftImage] = (), checker: Checker, today: date | None = None,
) -> DraftView:
    """A new draft with its first revision, already checked. Channels default to all."""
    rules.require_role(author, Role.AUTHOR)
    limit_text(text)
    content = prepare(session, text=text, channels=channels, images=images, checker=checker,
                      today=today)
    assert author.id is not None
    row = DraftRecord(author_id=author.id, state=DraftState.DRAFT)
    session.add(row)
    session.flush()
    assert row.id is not None
    store(session, draft_id=row.id, number=1, content=content, user=author, system_edit="")
    view = load_view(session, row.id)
    record(session, view, author, "created", verdict=view.verdict, channels=view.channels,
           images=len(view.images))
    return view


def limit_text(text: str) -> None:
    """A text over the limit is refused (422) before anything is processed or checked."""
    if len(text) > MAX_TEXT_CHARS:
        try:
            require_usable_text(text)
        except UnusableText as exc:
            raise InvalidContent(str(exc)) from exc


def get_draft(*, session: Session, draft_id: int, user: User) -> DraftView:
    view = load_view(session, draft_id)
    rules.require_view(user, view)
    return view


def revise(
    *, session: Session, draft_id: int, user: User, checker: Checker, text: str | None = None,
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
    if text is not None:
        limit_text(text)
    if expected_revision is not None and expected_revision != view.revision.number:
        raise Conflict(f"draft {draft_id} is at revision {view.revision.number}, not "
                       f"{expected_revision}: reload it before editing")
    now = moderation_draft(session, view)
    content = prepare(
        session, text=now.text if text is None else text,
        channels=now.channels if channels is None else channels,
        images=now.images if images is None else images, checker=checker, today=today,
        final=_final, draft_id=draft_id)
    if content.draft.content_sha256() == view.content_sha256:
        return view
    return replace(session, view, content, editor=user, actor=user, action="revised",
                   system_edit=system_edit, channels=list(content.draft.channels))


def channel_label(name: str) -> str:
    return label(name) if name in CHANNELS else repr(name)


def drop_channel(*, session: Session, draft_id: int, user: User, channel: str,
                 checker: Checker, today: date | None = None) -> DraftView:
    """One-click fix: stop posting to one channel (a system edit, so a new revision)."""
    view = load_view(session, draft_id)
    rules.can_edit(user, view)  # first: a refusal must not describe someone else's draft
    if channel not in view.channels:
        raise InvalidContent(f"draft {draft_id} is not going to {channel_label(channel)}")
    if view.channels == [channel]:
        raise InvalidContent(f"{channel_label(channel)} is the only channel of draft "
                             f"{draft_id}: pick another before dropping it")
    rest = [c for c in view.channels if c != channel]
    return revise(session=session, draft_id=draft_id, user=user, checker=checker, channels=rest,
                  system_edit=f"stopped posting to {channel_label(channel)}", today=today)


def apply_blurred_copy(*, session: Session, draft_id: int, user: User, image: int,
                       checker: Checker, today: date | None = None) -> DraftView:
    """One-click fix: replace photo ``image`` (0-based) with a copy where the faces that
    need it are blurred (not those whose consent covers every channel)."""
    return faces.blur_faces(session=session, draft_id=draft_id, user=user, image=image,
                            checker=checker, today=today)


def submit(*, session: Session, draft_id: int, user: User) -> DraftView:
    view = load_view(session, draft_id)
    rules.can_submit(user, view)
    advance(session, view, DraftState.SUBMITTED, submitted_at=utcnow())
    record(session, view, user, "submitted", verdict=view.verdict, to="submitted")
    tell(session, view, "flagged" if view.needs_sign_off else "submitted", user)
    return load_view(session, draft_id)


def tell(session: Session, view: DraftView, event: str, actor: User | None) -> None:
    """The notification mails of this step, in its transaction (see ``secondlook.mail``)."""
    enqueue_draft_event(session, event=event, draft_id=view.id,
                        title=post_title(view.revision.text), author_id=view.draft.author_id,
                        editor_ids=list(view.editors), actor=actor,
                        safeguarding=view.revision.safeguarding)


def _decide(session: Session, view: DraftView, user: User, kind: DecisionKind,
            state: DraftState, *, role: str = "", reason: str = "") -> DraftView:
    assert user.id is not None
    advance(session, view, state)
    session.add(Decision(draft_id=view.id, revision=view.revision.number,
                         content_sha256=view.content_sha256, kind=kind, user_id=user.id,
                         role=role, reason=reason))
    session.flush()
    return load_view(session, view.id)


def approve(*, session: Session, draft_id: int, user: User, content_sha256: str,
            checker: Checker | None = None) -> DraftView:
    """A second colleague approves exactly the content (hash) they saw.

    If the register changed since the check, the report must still hold: given a
    ``checker`` it is re-checked here; otherwise, or if it changed, ``StaleReport``.
    """
    view = load_view(session, draft_id)
    rules.can_approve(user, view)
    rules.require_current(view, content_sha256)
    reconfirm(session, view, checker)
    done = bool(view.sign_offs) or not view.needs_sign_off
    state = DraftState.APPROVED if done else DraftState.SUBMITTED
    new = _decide(session, view, user, DecisionKind.APPROVE, state, role=Role.APPROVER)
    record(session, new, user, "approved", verdict=new.verdict, to=str(state))
    if state == DraftState.APPROVED:
        tell(session, new, "approved", user)
    return new


def sign_off(*, session: Session, draft_id: int, user: User, content_sha256: str,
             reason: str, checker: Checker | None = None) -> DraftView:
    """The headteacher (or the DSL, for safeguarding findings) accepts a review verdict."""
    view = load_view(session, draft_id)
    role = rules.can_sign_off(user, view)
    reason = rules.require_reason(reason, "sign off")
    rules.require_current(view, content_sha256)
    reconfirm(session, view, checker)
    state = DraftState.APPROVED if view.approvals else DraftState.SUBMITTED
    new = _decide(session, view, user, DecisionKind.SIGN_OFF, state, role=role, reason=reason)
    record(session, new, user, "signed off", role=str(role), reason=reason, to=str(state))
    if state == DraftState.APPROVED:
        tell(session, new, "approved", user)
    return new


def return_draft(*, session: Session, draft_id: int, user: User, reason: str) -> DraftView:
    """Send back to the author with a reason; approvals and sign-offs lapse."""
    view = load_view(session, draft_id)
    rules.can_return(user, view)
    reason = rules.require_reason(reason, "return a draft")
    new = _decide(session, view, user, DecisionKind.RETURN, DraftState.RETURNED, reason=reason)
    voided = void_decisions(session, view)
    record(session, new, user, "returned", reason=reason, approvals_voided=voided,
           to="returned")
    tell(session, new, "returned", user)
    return load_view(session, draft_id)


def reject(*, session: Session, draft_id: int, user: User, reason: str) -> DraftView:
    """Final: the draft will not be published."""
    view = load_view(session, draft_id)
    role = rules.can_reject(user, view)
    reason = rules.require_reason(reason, "reject a draft")
    new = _decide(session, view, user, DecisionKind.REJECT, DraftState.REJECTED, role=role,
                  reason=reason)
    record(session, new, user, "rejected", role=str(role), reason=reason, to="rejected")
    tell(session, new, "rejected", user)
    return new


def claim_release(*, session: Session, draft_id: int, user: User,
                  checker: Checker | None = None) -> DraftView:
    """Take the single right to publish; a second claim gets Conflict or InvalidTransition.

    Publish only after this returns, then call ``mark_released`` (or
    ``abandon_release`` if publishing failed).
    """
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.APPROVED})
    reconfirm(session, view, checker)
    advance(session, view, DraftState.RELEASING)
    record(session, view, user, "release started", to="releasing", channels=view.channels)
    return load_view(session, draft_id)


def mark_released(*, session: Session, draft_id: int, user: User,
                  links: dict[str, str] | None = None,
                  checker: Checker | None = None) -> DraftView:
    """Record the release (from approved for a manual export, or after ``claim_release``)."""
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.APPROVED, DraftState.RELEASING})
    if view.draft.state == DraftState.APPROVED:  # once claimed, publishing must finish
        reconfirm(session, view, checker)
    advance(session, view, DraftState.RELEASED, released_at=utcnow(),
            released_sha256=view.content_sha256)
    record(session, view, user, "released", to="released", channels=view.channels,
           links=dict(links or {}))
    tell(session, view, "released", user)
    return load_view(session, draft_id)


def abandon_release(*, session: Session, draft_id: int, user: User, note: str) -> DraftView:
    """Publishing failed after a claim: back to approved so it can be tried again."""
    view = load_view(session, draft_id)
    rules.can_release(user, view, {DraftState.RELEASING})
    advance(session, view, DraftState.APPROVED)
    record(session, view, user, "release failed", to="approved", note=note[:500])
    return load_view(session, draft_id)


def end_interrupted_release(*, session: Session, draft_id: int, released: bool,
                            note: str, links: dict[str, str] | None = None) -> DraftView:
    """The process releasing the draft died (see ``secondlook.release.recovery``): the
    system marks it released when every channel has the post, otherwise hands it back to
    approved so a person can resolve what may be online and release the rest. No
    person's rights are checked: nobody is acting; the audit names the system."""
    view = load_view(session, draft_id)
    rules.require_state(view, {DraftState.RELEASING}, "recover the release of")
    if released:
        advance(session, view, DraftState.RELEASED, released_at=utcnow(),
                released_sha256=view.content_sha256)
        record(session, view, None, "released", to="released", channels=view.channels,
               links=dict(links or {}), note=note[:500])
        tell(session, view, "released", None)
    else:
        advance(session, view, DraftState.APPROVED)
        record(session, view, None, "release interrupted", to="approved", note=note[:500])
    return load_view(session, draft_id)
