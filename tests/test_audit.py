"""The audit log is hash-chained: an edited or deleted entry is found and named."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from consent_store.db import make_engine, session_scope
from secondlook.cli import main
from secondlook.workflow import audit, drafts
from secondlook.workflow.models import AuditEntry, AuditHead
from tests.conftest import checker_for
from tests.workflow_helpers import add_staff, marker_engine


def _history(db, blank_nlp) -> int:  # noqa: ANN001
    """Two drafts taken through a few steps: 7 entries. Returns the first draft's id."""
    users = add_staff(db)
    eng = marker_engine(blank_nlp)
    with session_scope(db) as s:
        view = drafts.create_draft(session=s, author=users["alice"], text="Sports day!",
                                   checker=checker_for(eng))
        drafts.submit(session=s, draft_id=view.id, user=users["alice"])
        drafts.approve(session=s, draft_id=view.id, user=users["bob"],
                       content_sha256=view.content_sha256)
        drafts.mark_released(session=s, draft_id=view.id, user=users["alice"])
        other = drafts.create_draft(session=s, author=users["carol"], text="Trip [review]",
                                    checker=checker_for(eng))
        drafts.submit(session=s, draft_id=other.id, user=users["carol"])
        drafts.return_draft(session=s, draft_id=other.id, user=users["helen"],
                            reason="Say which trip this was")
        return view.id


def _unguard(db) -> None:  # noqa: ANN001
    """What someone with full database access would do first: drop the append-only guard."""
    with db.begin() as conn:
        if db.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))


def _tamper(db, sql: str) -> None:  # noqa: ANN001
    _unguard(db)
    with db.begin() as conn:
        conn.execute(text(sql))


def _verify(db) -> audit.Verification:  # noqa: ANN001
    with Session(db) as s:
        return audit.verify(session=s)


def test_an_untouched_log_verifies_on_both_databases(db, blank_nlp) -> None:
    draft_id = _history(db, blank_nlp)
    result = _verify(db)
    assert result.ok and result.entries == 7
    with Session(db) as s:
        entries = audit.history(session=s, draft_id=draft_id)
        head = s.get(AuditHead, 1)
    assert [e.action for e in entries] == ["created", "submitted", "approved", "released"]
    assert [e.actor for e in entries] == ["alice", "alice", "bob", "alice"]
    assert all(e.created_at.utcoffset().total_seconds() == 0 for e in entries)
    assert entries[1].prev_sha256 == entries[0].entry_sha256
    assert head.position == 7 and head.entry_sha256 == result.head_sha256


def test_an_edited_entry_is_named_by_position(db, blank_nlp) -> None:
    _history(db, blank_nlp)
    _tamper(db, "UPDATE audit_entry SET actor = 'mallory' WHERE position = 3")
    result = _verify(db)
    assert [str(p) for p in result.problems] == [
        "entry 3: edited: its contents no longer match its hash"]


def test_an_edit_with_a_recomputed_hash_still_breaks_the_chain(db, blank_nlp) -> None:
    _history(db, blank_nlp)
    _unguard(db)
    with Session(db) as s:
        entry = s.get(AuditEntry, 2)
        entry.detail = json.dumps({"to": "approved"})
        entry.entry_sha256 = audit.entry_hash(entry)
        s.commit()
    problems = [str(p) for p in _verify(db).problems]
    assert problems == ["entry 2: edited: the entry after it (3) no longer chains to it"]


def test_a_deleted_entry_is_named(db, blank_nlp) -> None:
    _history(db, blank_nlp)
    _tamper(db, "DELETE FROM audit_entry WHERE position = 4")
    assert [str(p) for p in _verify(db).problems] == ["entry 4: missing: entry 4 was deleted"]


def test_a_cut_off_tail_is_named(db, blank_nlp) -> None:
    _history(db, blank_nlp)
    _tamper(db, "DELETE FROM audit_entry WHERE position >= 6")
    assert [str(p) for p in _verify(db).problems] == [
        "entry 6: missing: entry 6 to 7 (the end of the log) was deleted"]


@pytest.mark.parametrize("sql", ["UPDATE audit_entry SET actor = 'mallory' WHERE position = 2",
                                 "DELETE FROM audit_entry WHERE position = 7"])
def test_the_database_refuses_to_change_or_delete_entries(db, blank_nlp, sql) -> None:  # noqa: ANN001
    _history(db, blank_nlp)
    with pytest.raises(DBAPIError, match="append-only"), db.begin() as conn:
        conn.execute(text(sql))
    assert _verify(db).ok


def test_no_secret_or_encoding_can_enter_the_log(sqlite_db) -> None:
    with Session(sqlite_db) as s, pytest.raises(ValueError, match="encoding, password"):
        audit.append(session=s, actor=None, action="enrolled",
                     detail={"encoding": [0.1] * 128, "password": "x"})


def test_cli_verify_reports_tampering_with_exit_1(cli_env, blank_nlp, capsys) -> None:
    db = make_engine(cli_env)
    _history(db, blank_nlp)
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "audit log intact: 7 entries" in out
    head = out.split("head ")[1].split()[0]
    _tamper(db, "UPDATE audit_entry SET detail = '{}' WHERE position = 5")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED entry 5: edited" in out and "1 problem(s) in 7 entries" in out
    assert main(["audit", "verify", "--expect-head", head]) == 1


def test_cli_expect_head_catches_a_rewritten_log(cli_env, blank_nlp, capsys) -> None:
    """Someone who rewrites every hash passes the chain check, but not the head the last
    verification recorded, nor the noted head."""
    db = make_engine(cli_env)
    _history(db, blank_nlp)
    main(["audit", "verify"])
    head = capsys.readouterr().out.split("head ")[1].split()[0]
    _unguard(db)
    with Session(db) as s:
        previous = audit.GENESIS
        for entry in s.exec(select(AuditEntry).order_by(AuditEntry.position)):
            if entry.position == 3:
                entry.actor = "mallory"
            entry.prev_sha256 = previous
            entry.entry_sha256 = previous = audit.entry_hash(entry)
        s.get(AuditHead, 1).entry_sha256 = previous
        s.commit()
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED entry 7: rewritten: its hash is no longer the one recorded by audit " \
        "verify" in out and out.count("TAMPERED") == 1
    assert main(["audit", "verify", "--expect-head", head]) == 1
    assert "no longer in the log" in capsys.readouterr().out


def test_cli_verify_on_an_uninitialised_database_says_what_to_do(tmp_path, monkeypatch,
                                                                 capsys) -> None:
    from secondlook.config import get_settings

    monkeypatch.setenv("SECONDLOOK_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    get_settings.cache_clear()
    try:
        assert main(["audit", "verify"]) == 1
    finally:
        get_settings.cache_clear()
    assert "secondlook init" in capsys.readouterr().err
