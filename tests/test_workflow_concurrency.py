"""Releasing happens exactly once under 50 concurrent requests; the audit chain never forks."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from sqlmodel import Session, func, select

from consent_store.db import session_scope
from secondlook.accounts.models import User
from secondlook.workflow import audit, drafts
from secondlook.workflow.errors import WorkflowError
from secondlook.workflow.models import AuditEntry, Decision, DraftRecord
from tests.conftest import checker_for
from tests.workflow_helpers import add_staff, marker_engine

THREADS = 50


def _race(db, work: Callable[[Session, int], str]) -> Counter[str]:  # noqa: ANN001
    """Run ``work`` in THREADS threads at once, one session each; count the outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            with session_scope(db) as s:
                result = work(s, n)
        except WorkflowError as exc:
            result = type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - anything else is the failure we look for
            result = f"ERROR {type(exc).__name__}: {exc}"
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_fifty_concurrent_approve_and_release_release_once(db, blank_nlp) -> None:
    users = add_staff(db)
    with session_scope(db) as s:
        approvers = [User(username=f"approver{n}", display_name=f"A {n}", roles="approver")
                     for n in range(THREADS)]
        s.add_all(approvers)
        view = drafts.create_draft(session=s, author=users["alice"], text="Sports day",
                                   checker=checker_for(marker_engine(blank_nlp)))
        drafts.submit(session=s, draft_id=view.id, user=users["alice"])
        draft_id, sha = view.id, view.content_sha256
        ids = [a.id for a in approvers]

    def approve_then_release(s: Session, n: int) -> str:
        me = s.get(User, ids[n])
        try:
            drafts.approve(session=s, draft_id=draft_id, user=me, content_sha256=sha)
        except WorkflowError:
            pass  # someone else approved first: still try to release
        s.commit()
        drafts.mark_released(session=s, draft_id=draft_id, user=me)
        return "released"

    outcomes = _race(db, approve_then_release)
    assert not [o for o in outcomes if o.startswith("ERROR")], outcomes
    assert outcomes["released"] == 1
    with Session(db) as s:
        assert s.get(DraftRecord, draft_id).state == "released"
        assert s.exec(select(func.count()).select_from(Decision)).one() == 1
        actions = Counter(e.action for e in audit.history(session=s, draft_id=draft_id))
        assert actions == {"created": 1, "submitted": 1, "approved": 1, "released": 1}
        assert audit.verify(session=s).ok


def test_concurrent_appends_keep_one_unbroken_chain(db, blank_nlp) -> None:
    users = add_staff(db)
    eng = marker_engine(blank_nlp)

    def create(s: Session, n: int) -> str:
        author = s.get(User, users["alice"].id)
        drafts.create_draft(session=s, author=author, text=f"Post number {n}",
                            checker=checker_for(eng))
        return "created"

    outcomes = _race(db, create)
    assert outcomes == {"created": THREADS}
    with Session(db) as s:
        result = audit.verify(session=s)
        positions = list(s.exec(select(AuditEntry.position).order_by(AuditEntry.position)))
    assert result.ok, result.problems
    assert positions == list(range(1, THREADS + 1))
