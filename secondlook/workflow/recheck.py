"""Re-checking drafts when the consent register changes.

A report is a function of the content and the register. When a family withdraws
consent or a term's register is imported, a pending draft's report may be out of
date: approving or releasing it on the old report would defeat the check. So a
decision on a draft whose register has changed is refused (``require_fresh``)
until it is re-checked; a re-check whose report differs is a system revision
(same content, new report) that voids approvals and sign-offs, because what
the approver read is no longer what the checks say.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select, update

from secondlook.accounts.models import User
from secondlook.workflow import revisions, rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import InvalidTransition, StaleReport
from secondlook.workflow.models import DraftRecord, DraftState, Revision
from secondlook.workflow.snapshots import register_version
from secondlook.workflow.views import DraftView, load_view, moderation_draft

VERDICT_WORDS = {"pass": "nothing to stop it", "review": "flagged for the headteacher",
                 "block": "cannot be posted"}
FINAL = frozenset({DraftState.RELEASING, DraftState.RELEASED, DraftState.REJECTED})


def require_fresh(session: Session, view: DraftView) -> None:
    """Refuse a decision taken on a report the register has since overtaken."""
    if view.revision.register_version != register_version(session):
        raise StaleReport(
            f"the consent register changed after draft {view.id} was checked: re-check it "
            f"(`secondlook drafts recheck`, or POST /api/drafts/{view.id}/recheck) and read "
            "the new report before deciding"
        )


def _current_content(session: Session, view: DraftView, checker: Checker,
                     today: date | None) -> revisions.Content:
    now = moderation_draft(session, view)
    return revisions.prepare(session, text=now.text, channels=now.channels, images=now.images,
                             checker=checker, today=today, draft_id=view.id)


def reconfirm(session: Session, view: DraftView, checker: Checker | None, *,
              force: bool = False) -> None:
    """A decision needs a report that holds for today's register.

    With a checker, a stale report is re-checked in place: unchanged, it is
    confirmed; changed, ``StaleReport`` (not stored here, because the caller's
    refusal rolls the transaction back; ``recheck`` stores it as a new revision).
    Without one, a stale report is simply refused. ``force`` re-checks even when
    the register is unchanged (today's date matters too: a consent may have expired).
    """
    fresh = view.revision.register_version == register_version(session)
    if checker is None or (fresh and not force):
        require_fresh(session, view)
        return
    content = _current_content(session, view, checker, None)
    if content.checked.report_json != view.revision.report_json:
        raise StaleReport(
            f"the consent register changed and the checks now report something different "
            f"for draft {view.id}: re-check it and read the new report before deciding"
        )
    _confirm(session, view, content.checked.register_version)


def recheck(*, session: Session, draft_id: int, checker: Checker, user: User | None = None,
            today: date | None = None) -> DraftView:
    """Run the checks again on the current content against today's register."""
    view = load_view(session, draft_id)
    if user is not None:
        rules.require_view(user, view)
    if view.draft.state in FINAL:
        raise InvalidTransition(f"draft {draft_id} is {view.draft.state}: nothing to re-check")
    content = _current_content(session, view, checker, today)
    if content.checked.report_json == view.revision.report_json:
        _confirm(session, view, content.checked.register_version)
        return load_view(session, draft_id)
    verdict = str(content.checked.report.verdict)
    note = (f"checked again after the consent register changed: {VERDICT_WORDS[view.verdict]}"
            f" before, {VERDICT_WORDS[verdict]} now")
    editor = user if user is not None else session.get(User, view.draft.author_id)
    assert editor is not None
    return revisions.replace(session, view, content, editor=editor, actor=user,
                             action="re-checked", system_edit=note)


def _confirm(session: Session, view: DraftView, version: str) -> None:
    """Same report: record that it holds for this register (the content is untouched)."""
    if view.revision.register_version != version:
        session.exec(update(Revision).where(col(Revision.id) == view.revision.id)
                     .values(register_version=version)
                     .execution_options(synchronize_session=False))
        session.expire(view.revision)


def recheck_pending(*, session: Session, checker: Checker,
                    today: date | None = None) -> list[int]:
    """Re-check every draft not yet released or rejected whose register changed.

    Returns the ids whose report changed. Run it after a register import or a
    withdrawal; each changed draft is a new revision needing a fresh approval.
    """
    version = register_version(session)
    query = (select(DraftRecord.id)
             .join(Revision, (col(Revision.draft_id) == DraftRecord.id)
                   & (col(Revision.number) == DraftRecord.current_revision))
             .where(col(DraftRecord.state).not_in(list(FINAL)),
                    col(Revision.register_version) != version)
             .order_by(col(DraftRecord.id)))
    changed = []
    for draft_id in list(session.exec(query)):
        before = load_view(session, draft_id).revision.number
        after = recheck(session=session, draft_id=draft_id, checker=checker, today=today)
        if after.revision.number != before:
            changed.append(draft_id)
    return changed
