"""A decision for every face: blur this face (and undo it), not a learner, this is learner X.

Each decision is a row (``FaceDecisionRecord``), an audit entry and a new revision: a blur
changes the photo (a new processed copy; undoing it puts the photo from before back), the
others change only what the checks say, which the approver must read again. Either way
approvals and sign-offs of the old revision lapse (``revisions.replace``).

Faces are named by their number in the current revision's report (1-based on the pages,
0-based here) and stored by their box in the photo's exact bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from consent_store.models import Learner
from moderation.draft import DraftImage
from moderation.face_decisions import BLURRED, IDENTIFIED, NOT_LEARNER
from moderation.report import FaceBox
from secondlook.accounts.models import User
from secondlook.workflow import rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import Conflict, InvalidContent, InvalidTransition
from secondlook.workflow.face_decisions import about_face, copy_to, live_rows, void
from secondlook.workflow.images import BlurNotAvailable, ProcessedImage, blurred_copy
from secondlook.workflow.models import FaceDecisionRecord
from secondlook.workflow.revisions import prepare, replace
from secondlook.workflow.views import DraftView, image_input, load_view, moderation_draft


def numbered(numbers: Sequence[int]) -> str:
    """Faces as people count them: "face 2", "faces 1 and 3"."""
    shown = [str(n + 1) for n in numbers]
    if len(shown) == 1:
        return f"face {shown[0]}"
    return f"faces {', '.join(shown[:-1])} and {shown[-1]}"


def _opened(session: Session, draft_id: int, expected_revision: int | None) -> DraftView:
    view = load_view(session, draft_id)
    if expected_revision is not None and expected_revision != view.revision.number:
        raise Conflict(f"draft {draft_id} is at revision {view.revision.number}, not "
                       f"{expected_revision}: its faces may be numbered differently now; "
                       "reload it and decide again")
    return view


def _faces(view: DraftView, image: int) -> list[dict[str, Any]]:
    if not 0 <= image < len(view.images):
        raise InvalidContent(f"draft {view.id} has no photo {image + 1}")
    return next((r.get("faces", []) for r in view.report.get("images", [])
                 if r["index"] == image), [])


def _face(view: DraftView, image: int, face: int) -> dict[str, Any]:
    faces = _faces(view, image)
    if not 0 <= face < len(faces):
        raise InvalidContent(f"photo {image + 1} of draft {view.id} has no face {face + 1}")
    return faces[face]


def _box(face: dict[str, Any]) -> FaceBox:
    return FaceBox(**face["box"])


def needing_blur(view: DraftView, image: int) -> list[int]:
    """The faces of this photo whose finding asks for a change (not the consented ones)."""
    return sorted({f["face"] for f in view.report.get("findings", [])
                   if f.get("check") == "face" and f.get("image") == image
                   and f.get("face") is not None and f.get("severity") != "info"})


def blur_faces(*, session: Session, draft_id: int, user: User, image: int,
               faces: Sequence[int] | None = None, checker: Checker,
               expected_revision: int | None = None, today: date | None = None) -> DraftView:
    """Replace photo ``image`` with a copy where these faces (by default, only those that
    need it) are blurred; the other faces' decisions carry over to the copy."""
    view = _opened(session, draft_id, expected_revision)
    rules.can_edit(user, view)
    reported = _faces(view, image)
    numbers = needing_blur(view, image) if faces is None else sorted(set(faces))
    for n in numbers:
        if _face(view, image, n).get("decision") == BLURRED:
            raise InvalidContent(f"face {n + 1} in photo {image + 1} is already blurred")
    if not numbers:
        raise InvalidContent(f"no face in photo {image + 1} needs blurring" if reported
                             else f"no faces were found in photo {image + 1}: nothing to blur")
    boxes = [_box(reported[n]) for n in numbers]
    current = list(moderation_draft(session, view).images)
    photo = current[image]
    try:
        out = blurred_copy(photo.data, boxes, photo.removed, checker.engine.options.image_limits)
    except BlurNotAvailable as exc:
        raise InvalidTransition(str(exc)) from exc
    _move_decisions(session, view, photo.sha256, out.sha256, boxes)
    for box in boxes:
        _add(session, view, user, out.sha256, box, BLURRED, source=photo.sha256)
    current[image] = out.as_draft_image(photo.alt, photo.name)
    return _remake(session, view, user, current, checker, today, editor=user,
                   action="face blurred", note=f"blurred {numbered(numbers)} in photo "
                   f"{image + 1}", final={out.sha256: out}, photo=image + 1,
                   faces=[n + 1 for n in numbers])


def _move_decisions(session: Session, view: DraftView, source: str, copy: str,
                    blurred: list[FaceBox]) -> None:
    """The copy starts with the source's decisions about the faces left as they were."""
    void(session, live_rows(session, view.id, [copy]))  # left from an earlier, undone blur
    kept = [r for r in live_rows(session, view.id, [source])
            if not any(about_face([r], box) for box in blurred)]
    copy_to(session, kept, copy, view.revision.number)


def not_a_learner(*, session: Session, draft_id: int, user: User, image: int, face: int,
                  checker: Checker, expected_revision: int | None = None,
                  today: date | None = None) -> DraftView:
    """The author says the face is an adult or a visitor: its finding becomes a note the
    approver reads. Not for a face the matcher recognised as an enrolled learner."""
    view = _opened(session, draft_id, expected_revision)
    rules.can_edit(user, view)
    found = _face(view, image, face)
    if found.get("learner") and found.get("decision") != IDENTIFIED:
        raise InvalidContent(f"face {face + 1} in photo {image + 1} matches an enrolled "
                             "learner: blur it, or ask the headteacher, the safeguarding "
                             "lead or an admin to say who it is")
    if found.get("decision") == BLURRED:
        raise InvalidContent(f"face {face + 1} in photo {image + 1} is blurred: undo the "
                             "blur first")
    _replace_decision(session, view, user, image, found, NOT_LEARNER)
    return _remake(session, view, user, None, checker, today, editor=_editor(session, view),
                   action="face not a learner",
                   note=f"face {face + 1} in photo {image + 1}: not a learner",
                   photo=image + 1, face=face + 1)


def identify(*, session: Session, draft_id: int, user: User, image: int, face: int,
             upn: str, checker: Checker, expected_revision: int | None = None,
             today: date | None = None) -> DraftView:
    """An admin, headteacher or DSL says which learner the face is; that learner's photo
    consent for each channel then applies (it may block)."""
    view = _opened(session, draft_id, expected_revision)
    role = rules.can_identify(user, view)
    found = _face(view, image, face)
    learner = session.get(Learner, upn.strip())
    if learner is None:
        raise InvalidContent(f"there is no learner with UPN {upn.strip()!r} on the register")
    if found.get("decision") == BLURRED:
        raise InvalidContent(f"face {face + 1} in photo {image + 1} is blurred: undo the "
                             "blur first")
    _replace_decision(session, view, user, image, found, IDENTIFIED, upn=learner.upn,
                      role=str(role))
    return _remake(session, view, user, None, checker, today, editor=_editor(session, view),
                   action="face identified",
                   note=f"face {face + 1} in photo {image + 1}: identified as a learner",
                   photo=image + 1, face=face + 1, upn=learner.upn, role=str(role))


def undo(*, session: Session, draft_id: int, user: User, image: int, face: int,
         checker: Checker, expected_revision: int | None = None,
         today: date | None = None) -> DraftView:
    """Take back the decision about this face. Undoing a blur puts back the photo from
    before it (every face blurred in that step comes back)."""
    view = _opened(session, draft_id, expected_revision)
    rules.require_view(user, view)
    found = _face(view, image, face)
    sha = view.images[image].sha256
    rows = about_face(live_rows(session, view.id, [sha]), _box(found))
    if not rows:
        raise InvalidContent(f"there is no decision about face {face + 1} in photo "
                             f"{image + 1} to undo")
    row = rows[-1]
    if row.kind == BLURRED:
        return _undo_blur(session, view, user, image, face, row, checker, today)
    if row.kind == IDENTIFIED:
        rules.can_identify(user, view)
    else:
        rules.can_edit(user, view)
    void(session, [row])
    words = {IDENTIFIED: "identification", NOT_LEARNER: "'not a learner'"}[row.kind]
    return _remake(session, view, user, None, checker, today, editor=_editor(session, view),
                   action="face decision undone",
                   note=f"face {face + 1} in photo {image + 1}: {words} taken back",
                   photo=image + 1, face=face + 1, decision=row.kind)


def _undo_blur(session: Session, view: DraftView, user: User, image: int, face: int,
               row: FaceDecisionRecord, checker: Checker, today: date | None) -> DraftView:
    rules.can_edit(user, view)
    if not row.source_sha256:
        raise InvalidContent(f"face {face + 1} in photo {image + 1} was blurred before a "
                             "later blur of this photo: undo that one first")
    sha = view.images[image].sha256
    step = [r for r in live_rows(session, view.id, [sha])
            if r.kind == BLURRED and r.source_sha256 == row.source_sha256]
    void(session, live_rows(session, view.id, [sha]))  # this copy leaves the draft
    current = list(moderation_draft(session, view).images)
    photo = current[image]
    current[image] = image_input(session, row.source_sha256, photo.alt, photo.name)
    faces = sorted(n for n, f in enumerate(_faces(view, image))
                   if about_face(step, _box(f)))
    return _remake(session, view, user, current, checker, today, editor=user,
                   action="face blur undone",
                   note=f"undid the blur of {numbered(faces or [face])} in photo {image + 1}",
                   photo=image + 1, faces=[n + 1 for n in faces or [face]])


def _replace_decision(session: Session, view: DraftView, user: User, image: int,
                      found: dict[str, Any], kind: str, *, upn: str = "",
                      role: str = "") -> None:
    sha = view.images[image].sha256
    box = _box(found)
    void(session, [r for r in about_face(live_rows(session, view.id, [sha]), box)
                   if r.kind != BLURRED])
    _add(session, view, user, sha, box, kind, upn=upn, role=role)


def _add(session: Session, view: DraftView, user: User, sha: str, box: FaceBox, kind: str, *,
         upn: str = "", role: str = "", source: str = "") -> None:
    assert user.id is not None
    session.add(FaceDecisionRecord(
        draft_id=view.id, revision=view.revision.number, image_sha256=sha, top=box.top,
        right=box.right, bottom=box.bottom, left=box.left, kind=kind, upn=upn,
        source_sha256=source, user_id=user.id, role=role))
    session.flush()


def _editor(session: Session, view: DraftView) -> User:
    """A decision that leaves the content as it was is not an edit: the revision stays
    attributed to whoever made the content (so a headteacher who identified a face may
    still sign off); the audit log names who decided."""
    editor = session.get(User, view.revision.edited_by_id)
    assert editor is not None
    return editor


def _remake(session: Session, view: DraftView, user: User, images: list[DraftImage] | None,
            checker: Checker, today: date | None, *, editor: User, action: str, note: str,
            final: dict[str, ProcessedImage] | None = None, **detail: Any) -> DraftView:
    """The next revision: the content (with ``images`` if given) checked with the
    decisions now in force."""
    now = moderation_draft(session, view)
    content = prepare(session, text=now.text, channels=now.channels,
                      images=now.images if images is None else images, checker=checker,
                      today=today, final=final, draft_id=view.id)
    return replace(session, view, content, editor=editor, actor=user, action=action,
                   system_edit=note, **detail)
