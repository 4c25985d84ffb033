"""Approvals expire: one older than the configured age (default 30 days) no longer
counts, and the draft goes back to waiting for approval.

The workflow's ``Decision`` rows are voided (``voided_at``) as an edit would void
them, the draft moves from approved back to submitted with the same
compare-and-set on its version, and the audit log says why.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from consent_store.models import utcnow
from secondlook.workflow import audit
from secondlook.workflow.errors import Conflict, InvalidTransition
from secondlook.workflow.models import Decision, DecisionKind, DraftRecord, DraftState

_WAITING = (DraftState.APPROVED, DraftState.SUBMITTED)


class ApprovalExpired(InvalidTransition):
    """The draft's approval is too old to release on."""


def _back_to_submitted(session: Session, record: DraftRecord, now: datetime) -> None:
    stmt = (update(DraftRecord)
            .where(col(DraftRecord.id) == record.id, col(DraftRecord.version) == record.version)
            .values(state=DraftState.SUBMITTED, version=record.version + 1, updated_at=now)
            .execution_options(synchronize_session=False))
    if session.exec(stmt).rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"draft {record.id} changed while its approval was expiring; try again")
    session.expire(record)


def expire_approvals(*, session: Session, max_age: timedelta, now: datetime | None = None,
                     draft_id: int | None = None) -> list[int]:
    """Void approvals older than ``max_age`` on drafts not yet released; their draft ids."""
    now = now or utcnow()
    query = select(Decision).where(Decision.kind == DecisionKind.APPROVE,
                                   col(Decision.voided_at).is_(None),
                                   col(Decision.created_at) < now - max_age)
    if draft_id is not None:
        query = query.where(Decision.draft_id == draft_id)
    expired: list[int] = []
    for decision in session.exec(query.order_by(col(Decision.id))).all():
        record = session.get(DraftRecord, decision.draft_id)
        if record is None or record.state not in _WAITING:
            continue  # a released draft keeps the approval it was released on
        decision.voided_at = now
        session.add(decision)
        if record.state == DraftState.APPROVED:
            _back_to_submitted(session, record, now)
        audit.append(session=session, actor=None, action="approval expired",
                     draft_id=decision.draft_id, revision=decision.revision,
                     content_sha256=decision.content_sha256,
                     detail={"approvals_voided": 1,
                             "reason": f"approved more than {max_age.days} days ago"})
        expired.append(decision.draft_id)
    session.flush()
    return sorted(set(expired))
