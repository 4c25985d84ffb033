"""When the register changes, a pending draft's report is re-checked before anyone decides."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from consent_store.db import make_engine, session_scope
from consent_store.models import utcnow
from consent_store.register_import import import_register_file
from secondlook.cli import main
from secondlook.workflow import audit, drafts
from secondlook.workflow.errors import Conflict
from secondlook.workflow.models import DraftState
from secondlook.workflow.recheck import recheck, recheck_pending
from tests.conftest import EXAMPLES, checker_for
from tests.workflow_helpers import add_staff

POST = "Well done Amelia for the relay"  # first-name consent: fine until it is withdrawn


def _setup(db, engine) -> tuple[dict, int, str]:  # noqa: ANN001
    users = add_staff(db)
    with session_scope(db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    with session_scope(db) as s:
        view = drafts.create_draft(session=s, author=users["alice"], text=POST,
                                   checker=checker_for(engine), channels=["classdojo"])
        drafts.submit(session=s, draft_id=view.id, user=users["alice"])
        assert view.verdict == "pass"
        return users, view.id, view.content_sha256


def _withdraw_names(db, upn: str) -> None:  # noqa: ANN001
    with db.begin() as conn:
        conn.execute(text("UPDATE learner SET name_consent = 'none', "
                          "updated_at = :now WHERE upn = :u"), {"u": upn, "now": utcnow()})


def test_a_withdrawal_stops_approval_until_the_draft_is_rechecked(sqlite_db, engine) -> None:
    users, draft_id, sha = _setup(sqlite_db, engine)
    _withdraw_names(sqlite_db, "A123456789012")
    with Session(sqlite_db) as s, pytest.raises(Conflict, match="register changed after draft"):
        drafts.approve(session=s, draft_id=draft_id, user=users["bob"], content_sha256=sha)
    with Session(sqlite_db) as s, pytest.raises(Conflict, match="now report something diff"):
        drafts.approve(session=s, draft_id=draft_id, user=users["bob"], content_sha256=sha,
                       checker=checker_for(engine))
    with session_scope(sqlite_db) as s:
        view = recheck(session=s, draft_id=draft_id, checker=checker_for(engine))
        assert view.verdict == "block" and view.revision.number == 2
        assert view.content_sha256 == sha  # same words: only the report changed
        assert view.draft.state == DraftState.DRAFT  # blocked: back to the author
        last = audit.history(session=s, draft_id=draft_id)[-1]
        assert (last.action, last.actor) == ("re-checked", "system")


def test_an_unrelated_change_rechecks_to_the_same_report_and_approval_goes_on(
        sqlite_db, engine) -> None:  # noqa: ANN001
    users, draft_id, sha = _setup(sqlite_db, engine)
    _withdraw_names(sqlite_db, "B234567890123")  # Jayden, not in this post
    with Session(sqlite_db) as s, pytest.raises(Conflict, match="re-check it"):
        drafts.approve(session=s, draft_id=draft_id, user=users["bob"], content_sha256=sha)
    with session_scope(sqlite_db) as s:  # given the engine, approve re-checks on the spot
        view = drafts.approve(session=s, draft_id=draft_id, user=users["bob"],
                              content_sha256=sha, checker=checker_for(engine))
        assert view.revision.number == 1 and view.draft.state == DraftState.APPROVED
    with session_scope(sqlite_db) as s:
        assert recheck_pending(session=s, checker=checker_for(engine)) == []


def test_release_is_refused_on_a_stale_report(sqlite_db, engine) -> None:
    users, draft_id, sha = _setup(sqlite_db, engine)
    with session_scope(sqlite_db) as s:
        drafts.approve(session=s, draft_id=draft_id, user=users["bob"], content_sha256=sha)
    _withdraw_names(sqlite_db, "A123456789012")
    with Session(sqlite_db) as s, pytest.raises(Conflict, match="re-check it"):
        drafts.claim_release(session=s, draft_id=draft_id, user=users["alice"])
    with session_scope(sqlite_db) as s:
        assert recheck_pending(session=s, checker=checker_for(engine)) == [draft_id]
    with Session(sqlite_db) as s:
        view = drafts.get_draft(session=s, draft_id=draft_id, user=users["bob"])
        assert view.approvals == [] and view.verdict == "block"


def test_cli_drafts_recheck_names_the_changed_drafts(cli_env, engine, monkeypatch,
                                                     capsys) -> None:  # noqa: ANN001
    import secondlook.checking

    monkeypatch.setattr(secondlook.checking, "moderation_engine", lambda settings: engine)
    db = make_engine(cli_env)
    _, draft_id, _ = _setup(db, engine)
    assert main(["drafts", "recheck"]) == 0
    assert "still holds" in capsys.readouterr().out
    _withdraw_names(db, "A123456789012")
    assert main(["drafts", "recheck"]) == 0
    assert f"1 draft(s) have a new report and need approving again: {draft_id}" in \
        capsys.readouterr().out
