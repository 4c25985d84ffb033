"""Decisions about faces as stored, and as the faces check reads them (plain data).

A decision is about one face (a box) in one photo's exact bytes. The check is handed the
live decisions of the photos it checks, by SHA-256; nothing below ``secondlook`` knows
the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select, update

from consent_store.models import utcnow
from moderation.face_decisions import FaceDecision, overlap
from moderation.report import FaceBox
from secondlook.accounts.models import User
from secondlook.workflow.models import FaceDecisionRecord

Decisions = dict[str, tuple[FaceDecision, ...]]


def box_of(row: FaceDecisionRecord) -> FaceBox:
    return FaceBox(top=row.top, right=row.right, bottom=row.bottom, left=row.left)


def live_rows(session: Session, draft_id: int, shas: Iterable[str]) -> list[FaceDecisionRecord]:
    """The decisions in force on these photos of this draft, oldest first."""
    wanted = sorted(set(shas))
    if not wanted:
        return []
    query = (select(FaceDecisionRecord)
             .where(col(FaceDecisionRecord.draft_id) == draft_id,
                    col(FaceDecisionRecord.image_sha256).in_(wanted),
                    col(FaceDecisionRecord.voided_at).is_(None))
             .order_by(col(FaceDecisionRecord.id))
             .execution_options(populate_existing=True))
    return list(session.exec(query))


def decisions_for(session: Session, draft_id: int | None, shas: Iterable[str]) -> Decisions:
    """What the faces check is told about these photos, newest decision per face first."""
    if draft_id is None:
        return {}
    rows = live_rows(session, draft_id, shas)
    names = _names(session, {r.user_id for r in rows})
    out: dict[str, list[FaceDecision]] = {}
    for row in reversed(rows):
        out.setdefault(row.image_sha256, []).append(FaceDecision(
            box=box_of(row), kind=row.kind, by=names.get(row.user_id, "a colleague"),
            upn=row.upn or None))
    return {sha: tuple(items) for sha, items in out.items()}


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(sorted(ids))))
    return {u.id: u.display_name for u in users if u.id is not None}


def void(session: Session, rows: Iterable[FaceDecisionRecord]) -> int:
    ids = [r.id for r in rows if r.id is not None]
    if not ids:
        return 0
    session.exec(update(FaceDecisionRecord).where(col(FaceDecisionRecord.id).in_(ids))
                 .values(voided_at=utcnow()).execution_options(synchronize_session=False))
    return len(ids)


def about_face(rows: Iterable[FaceDecisionRecord], box: FaceBox) -> list[FaceDecisionRecord]:
    """The rows about the face in ``box`` (the same face, found again)."""
    return [r for r in rows if overlap(box_of(r), box) >= 0.5]


def copy_to(session: Session, rows: Iterable[FaceDecisionRecord], sha256: str,
            revision: int) -> None:
    """The same decisions on a new copy of the photo (the other faces did not change)."""
    for row in rows:
        session.add(FaceDecisionRecord(
            draft_id=row.draft_id, revision=revision, image_sha256=sha256, top=row.top,
            right=row.right, bottom=row.bottom, left=row.left, kind=row.kind, upn=row.upn,
            user_id=row.user_id, role=row.role, created_at=row.created_at))
