"""The work queues, each one query: awaiting my approval, flagged for review, my drafts,
approval expired; and ``my_work``, the one list a person's start page shows, where each
draft appears once with the next step named.

A queue lists only what its user may act on, so it agrees with the rules:
an approver never sees their own drafts or ones they edited.

Every page shows the count of ``my_work`` in its menu, so the queries are built once per
process (the user is a bound parameter): building one of these statements in SQLAlchemy
costs more than PostgreSQL takes to run it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, func, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from consent_store.models import utcnow
from consent_store.scope import current_school_id
from secondlook.accounts.models import Role, User
from secondlook.workflow import rules
from secondlook.workflow.models import Decision, DecisionKind, DraftRecord, DraftState, Revision
from secondlook.workflow.views import Status, draft_status

TITLE_CHARS = 80


@dataclass(frozen=True, slots=True)
class QueueItem:
    draft_id: int
    state: str
    verdict: str
    safeguarding: bool
    title: str  # the start of the text
    channels: tuple[str, ...]
    author: str  # display name
    revision: int
    content_sha256: str
    created_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    approved: bool = False  # a live approval of the current revision
    signed_off: bool = False
    expired: bool = False  # waiting again because its approval expired
    next_action: str = ""  # for the person whose queue it is: "Approve", "Sign off", ...

    @property
    def status(self) -> Status:
        return draft_status(state=self.state, verdict=self.verdict, approved=self.approved,
                            signed_off=self.signed_off, expired=self.expired,
                            safeguarding=self.safeguarding)

    def age(self, now: datetime | None = None) -> timedelta:
        """How long it has waited: since submission, or since creation for a draft."""
        return (now or utcnow()) - (self.submitted_at or self.created_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.draft_id, "state": self.state, "verdict": self.verdict,
            "safeguarding": self.safeguarding, "title": self.title,
            "channels": list(self.channels), "author": self.author, "revision": self.revision,
            "content_sha256": self.content_sha256, "created_at": self.created_at.isoformat(),
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "age_seconds": int(self.age().total_seconds()),
            "status": self.status.text, "next_action": self.next_action,
        }


def _base() -> Any:
    """Only the columns a queue shows: hydrating whole rows (reports, text) is the cost."""
    return (
        select(DraftRecord.id, DraftRecord.state, Revision.verdict, Revision.safeguarding,
               func.substr(Revision.text, 1, TITLE_CHARS * 2), Revision.channels,
               User.display_name, Revision.number, Revision.content_sha256,
               DraftRecord.created_at, DraftRecord.submitted_at, DraftRecord.updated_at,
               _live(DecisionKind.APPROVE), _live(DecisionKind.SIGN_OFF), _expired())
        .join(Revision, _current_revision())
        .join(User, col(User.id) == DraftRecord.author_id)
    )


def _current_revision() -> Any:
    return and_(col(Revision.draft_id) == DraftRecord.id,
                col(Revision.number) == DraftRecord.current_revision)


def _user_id() -> Any:
    """Whose queue it is: bound when the query runs (``_items``), so the query is built once."""
    return bindparam("user_id", type_=Integer)


def _not_touched_by() -> Any:
    other = aliased(Revision)  # the outer query joins the current revision already
    edited = exists().where(other.draft_id == DraftRecord.id, other.edited_by_id == _user_id())
    return and_(col(DraftRecord.author_id) != _user_id(), ~edited)


def _live(kind: DecisionKind) -> Any:
    return exists().where(
        col(Decision.draft_id) == DraftRecord.id, col(Decision.kind) == kind,
        col(Decision.voided_at).is_(None), col(Decision.revision) == DraftRecord.current_revision)


def _no_live(kind: DecisionKind) -> Any:
    return ~_live(kind)


def _expired() -> Any:
    """Waiting for approval again because the approval expired: an approval of the current
    revision was voided with no return after it (``views.approval_expired``, in SQL)."""
    lapsed, later = aliased(Decision), aliased(Decision)
    # Correlated to ``lapsed`` (the enclosing query), not to the draft two levels up: the
    # school criterion added to a draft reference in here un-correlated it, and the question
    # became "any later return at this school" (test_next_steps).
    returned = exists().where(later.draft_id == lapsed.draft_id, later.id > lapsed.id,
                              col(later.kind).in_([DecisionKind.RETURN, DecisionKind.REJECT]))
    voided = exists().where(
        lapsed.draft_id == DraftRecord.id, lapsed.kind == DecisionKind.APPROVE,
        lapsed.revision == DraftRecord.current_revision, col(lapsed.voided_at).is_not(None),
        ~returned)
    return and_(col(DraftRecord.state) == DraftState.SUBMITTED, voided,
                _no_live(DecisionKind.APPROVE))


def _items(session: Session, query: Any, user: User) -> list[QueueItem]:
    return [
        QueueItem(
            draft_id=row[0], state=row[1], verdict=row[2], safeguarding=row[3],
            title=post_title(row[4]), channels=tuple(c for c in row[5].split(";") if c),
            author=row[6], revision=row[7], content_sha256=row[8], created_at=row[9],
            submitted_at=row[10], updated_at=row[11], approved=bool(row[12]),
            signed_off=bool(row[13]), expired=bool(row[14]))
        # Core rows, not ORM loading: a queue of 1,000 is read for every page view.
        for row in session.execute(query, {"user_id": user.id})
    ]


def post_title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def awaiting_approval(*, session: Session, user: User, limit: int | None = None
                      ) -> list[QueueItem]:
    """Submitted drafts this approver may approve, oldest first."""
    rules.require_role(user, Role.APPROVER)
    return _items(session, _awaiting_query(limit), user)


def _awaiting() -> list[Any]:
    return [col(DraftRecord.state) == DraftState.SUBMITTED, col(Revision.verdict) != "block",
            _not_touched_by(), _no_live(DecisionKind.APPROVE)]


@lru_cache(maxsize=32)
def _awaiting_query(limit: int | None) -> Any:
    return _base().where(*_awaiting()).order_by(
        col(DraftRecord.submitted_at), col(DraftRecord.id)).limit(limit)


def flagged_for_review(*, session: Session, user: User, limit: int | None = None
                       ) -> list[QueueItem]:
    """Drafts with verdict review awaiting sign-off: all for the headteacher, the DSL's
    own share (safeguarding findings) for the DSL."""
    rules.require_role(user, Role.HEADTEACHER, Role.DSL)
    return _items(session, _flagged_query(user.has_role(Role.HEADTEACHER), limit), user)


def _flagged(headteacher: bool) -> list[Any]:
    conditions = [col(DraftRecord.state) == DraftState.SUBMITTED,
                  col(Revision.verdict) == "review", _not_touched_by(),
                  _no_live(DecisionKind.SIGN_OFF)]
    if not headteacher:
        conditions.append(col(Revision.safeguarding).is_(True))
    return conditions


@lru_cache(maxsize=32)
def _flagged_query(headteacher: bool, limit: int | None) -> Any:
    return _base().where(*_flagged(headteacher)).order_by(
        col(DraftRecord.submitted_at), col(DraftRecord.id)).limit(limit)


def my_drafts(*, session: Session, user: User, limit: int | None = None) -> list[QueueItem]:
    """Everything this user wrote, most recently changed first."""
    rules.require_active(user)
    return _items(session, _my_drafts_query(limit), user)


@lru_cache(maxsize=32)
def _my_drafts_query(limit: int | None) -> Any:
    return _base().where(col(DraftRecord.author_id) == _user_id()).order_by(
        col(DraftRecord.updated_at).desc(), col(DraftRecord.id).desc()).limit(limit)


def approval_expired(*, session: Session, user: User, limit: int | None = None
                     ) -> list[QueueItem]:
    """Drafts waiting for approval again because theirs expired: the author's own, and for
    reviewers every one they may approve or sign off. Longest waiting first."""
    rules.require_active(user)
    reviewer = bool(user.role_set() & set(rules.REVIEWERS))
    return _items(session, _expired_query(reviewer, limit), user)


@lru_cache(maxsize=32)
def _expired_query(reviewer: bool, limit: int | None) -> Any:
    mine = col(DraftRecord.author_id) == _user_id()
    if reviewer:
        mine = mine | _not_touched_by()
    return _base().where(_expired(), mine).order_by(
        col(DraftRecord.submitted_at), col(DraftRecord.id)).limit(limit)


@dataclass(frozen=True, slots=True)
class Work:
    """A person's start page: what waits for them (each draft once), and their own posts
    that wait for someone else or are done."""

    todo: list[QueueItem]
    mine: list[QueueItem]


AUTHOR_STEPS = {DraftState.DRAFT: "Submit for approval", DraftState.RETURNED: "Change and resubmit",
                DraftState.APPROVED: "Release"}


def _author_step(item: QueueItem) -> str:
    if item.state == DraftState.DRAFT and item.verdict == "block":
        return "Change what the checks marked"
    return AUTHOR_STEPS.get(DraftState(item.state), "")


def my_work(*, session: Session, user: User, limit: int | None = None) -> Work:
    """One list of next steps: sign off (the headteacher's or DSL's own step comes first
    when one person holds both roles), approve, then the author's own steps."""
    rules.require_active(user)
    steps: dict[int, QueueItem] = {}
    roles = user.role_set()
    if roles & {Role.HEADTEACHER, Role.DSL}:
        for item in flagged_for_review(session=session, user=user, limit=limit):
            steps[item.draft_id] = replace(item, next_action="Sign off")
    if Role.APPROVER in roles:
        for item in awaiting_approval(session=session, user=user, limit=limit):
            action = "Approve again" if item.expired else "Approve"
            steps.setdefault(item.draft_id, replace(item, next_action=action))
    mine: list[QueueItem] = []
    # Anyone may have written drafts: an author who has since changed role too.
    for item in my_drafts(session=session, user=user, limit=limit):
        step = _author_step(item)
        if step and item.draft_id not in steps:
            steps[item.draft_id] = replace(item, next_action=step)
        elif item.draft_id not in steps:
            mine.append(item)
    todo = sorted(steps.values(), key=lambda i: (i.submitted_at or i.created_at, i.draft_id))
    return Work(todo=todo[:limit] if limit else todo, mine=mine)


# The author's own next steps (``_author_step``): a draft, a returned one, an approved one.
AUTHOR_STEP_STATES = (DraftState.DRAFT, DraftState.RETURNED, DraftState.APPROVED)


def my_work_count(*, session: Session, user: User, limit: int) -> int:
    """``len(my_work(...).todo)``, up to ``limit``, in one statement that returns one
    number: the menu shows it on every page."""
    rules.require_active(user)
    roles = user.role_set()
    query = _work_count_query(
        signer=bool(roles & {Role.HEADTEACHER, Role.DSL}),
        headteacher=Role.HEADTEACHER in roles, approver=Role.APPROVER in roles)
    # Core (a UNION the ORM listener does not rewrite): the school is a bound parameter.
    return int(session.connection().execute(
        query, {"user_id": user.id, "count_limit": limit,
                "school_id": current_school_id()}).scalar_one())


@lru_cache(maxsize=16)
def _work_count_query(*, signer: bool, headteacher: bool, approver: bool) -> Any:
    def ids(*conditions: Any) -> Any:
        return select(DraftRecord.id).join(Revision, _current_revision()).where(
            col(DraftRecord.school_id) == bindparam("school_id"), *conditions)

    parts = [ids(col(DraftRecord.author_id) == _user_id(),
                 col(DraftRecord.state).in_(AUTHOR_STEP_STATES))]
    if signer:
        parts.append(ids(*_flagged(headteacher)))
    if approver:
        parts.append(ids(*_awaiting()))
    capped = union(*parts) if len(parts) > 1 else parts[0]
    steps = capped.limit(bindparam("count_limit", type_=Integer)).subquery()
    return select(func.count()).select_from(steps)
