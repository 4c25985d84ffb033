"""Each school's audit log is a chain of its own (issue 17): a school's data protection
officer verifies their school's log, and an entry of another school edited or deleted does
not make theirs fail, nor theirs another's. The trust-wide chain still covers every entry."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from consent_store.db import make_engine, session_scope
from consent_store.scope import all_schools, use_school
from secondlook.cli import main
from secondlook.schools import add_school
from secondlook.workflow import audit
from secondlook.workflow.models import AuditEntry
from tests.conftest import migrated_url


def _tamper(db, sql: str) -> None:  # noqa: ANN001
    """Someone with full database access: the append-only guard dropped, then the edit."""
    with db.begin() as conn:
        if db.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry"))
        conn.execute(text(sql))


def _second_school(db) -> int:  # noqa: ANN001
    with session_scope(db) as s:
        school = add_school(s, "Beech Primary")
        assert school.id is not None
        return school.id


def _log(db, school_id: int, *actions: str) -> list[int]:  # noqa: ANN001
    """Entries written while working for ``school_id``; their log positions."""
    with use_school(school_id), session_scope(db) as s:
        return [audit.append(session=s, actor=None, action=a, detail={"note": a}).position
                for a in actions]


def _mixed(db) -> tuple[int, list[int], list[int]]:  # noqa: ANN001
    beech = _second_school(db)
    first, second = [], []
    for n in range(3):  # interleaved, as a trust's day is
        first += _log(db, 1, f"first.{n}")
        second += _log(db, beech, f"beech.{n}", f"beech.{n}b")
    return beech, first, second


def _school(db, school_id: int) -> audit.Verification:  # noqa: ANN001
    with Session(db) as s:
        return audit.verify_school(session=s, school_id=school_id)


def test_each_schools_entries_verify_as_a_chain_of_their_own(db) -> None:  # noqa: ANN001
    beech, first, second = _mixed(db)
    mine, theirs = _school(db, 1), _school(db, beech)
    assert mine.ok and theirs.ok, (mine.problems, theirs.problems)
    assert (mine.entries, theirs.entries) == (3, 6)
    with Session(db) as s, all_schools():
        whole = audit.verify(session=s)
        by_position = {e.position: e for e in s.exec(select(AuditEntry))}
    assert whole.ok and whole.entries == 9
    assert mine.head_sha256 == by_position[first[-1]].entry_sha256
    assert theirs.head_sha256 == by_position[second[-1]].entry_sha256


def test_an_edit_in_one_school_breaks_only_that_schools_chain(db) -> None:  # noqa: ANN001
    beech, _, second = _mixed(db)
    _tamper(db, f"UPDATE audit_entry SET detail = '{{\"note\": \"nothing\"}}' "
                f"WHERE position = {second[2]}")
    assert _school(db, 1).ok
    broken = _school(db, beech)
    assert [str(p) for p in broken.problems] == [
        f"entry 3: edited (log position {second[2]}): its contents no longer match its hash"]


def test_a_deleted_entry_or_a_cut_off_end_is_named_in_its_schools_chain(db) -> None:  # noqa: ANN001
    beech, first, second = _mixed(db)
    _tamper(db, f"DELETE FROM audit_entry WHERE position = {second[1]}")
    assert "missing: the school's entry 2 was deleted" in str(_school(db, beech).problems[0])
    _tamper(db, f"DELETE FROM audit_entry WHERE position = {first[-1]}")
    cut = _school(db, 1)
    assert [str(p) for p in cut.problems] == [
        "entry 3: missing: the school's entry 3 (the end of its log) was deleted"]


def test_the_cli_verifies_one_school_or_every_school(cli_env, capsys) -> None:  # noqa: ANN001
    db = make_engine(cli_env)
    beech, _, second = _mixed(db)
    assert main(["audit", "verify", "--school", "Beech Primary"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("audit log of Beech Primary intact: 6 entries verified; head ")
    assert main(["audit", "verify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("audit log intact: 9 entries verified")
    assert lines[1].startswith("school First school: its own chain intact: 3 entries")
    assert lines[2].startswith("school Beech Primary: its own chain intact: 6 entries")
    _tamper(db, f"DELETE FROM audit_entry WHERE position = {second[-1]}")
    assert main(["audit", "verify", "--school", "1"]) == 0  # the first school's is whole
    capsys.readouterr()
    assert main(["audit", "verify", "--school", str(beech)]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED school Beech Primary: entry 6: missing" in out
    assert main(["audit", "verify", "--school", "Oak"]) == 2
    assert "no school has that name or number" in capsys.readouterr().err
    db.dispose()


def test_a_schools_log_put_back_to_an_older_state_is_caught_by_its_recorded_head(
        cli_env, capsys) -> None:  # noqa: ANN001
    """The school's DPO verified at 6 entries; the last 2 are then gone: the head they
    recorded (in the database and in the head file) says so."""
    db = make_engine(cli_env)
    beech, _, second = _mixed(db)
    assert main(["audit", "verify", "--school", "Beech Primary"]) == 0
    capsys.readouterr()
    _tamper(db, f"DELETE FROM audit_entry WHERE position IN ({second[-2]}, {second[-1]})")
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_school_head SET position = 4, entry_sha256 = "
                          "(SELECT entry_sha256 FROM audit_entry WHERE position = :p) "
                          "WHERE school_id = :s"), {"p": second[3], "s": beech})
    assert main(["audit", "verify", "--school", "Beech Primary"]) == 1
    assert "the school's log ends at entry 4, but entry 6 was recorded by audit verify" \
        in capsys.readouterr().out
    db.dispose()


@pytest.mark.postgres
def test_two_schools_writing_at_once_on_postgresql_keep_two_whole_chains(
        tmp_path) -> None:  # noqa: ANN001
    pg_db = make_engine(migrated_url("postgres", tmp_path))
    beech = _second_school(pg_db)
    errors: list[BaseException] = []

    def write(school_id: int, label: str) -> None:
        try:
            for n in range(15):
                _log(pg_db, school_id, f"{label}.{n}", f"{label}.{n}b")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(school_id, label))
               for school_id, label in ((1, "first"), (beech, "beech"), (1, "first2"),
                                        (beech, "beech2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    mine, theirs = _school(pg_db, 1), _school(pg_db, beech)
    assert mine.ok and theirs.ok, (mine.problems, theirs.problems)
    assert (mine.entries, theirs.entries) == (60, 60)
    with Session(pg_db) as s:
        assert audit.verify(session=s).entries == 120
    pg_db.dispose()


def test_the_audit_page_verifies_the_schools_own_log_and_shows_a_trust_admin_every_chain(
        sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    from secondlook.accounts.models import User
    from tests.web_support import make_app, signed_in

    beech, _, second = _mixed(sqlite_db)
    with Session(sqlite_db, expire_on_commit=False) as s:
        beech_admin = User(username="beech-admin", display_name="Beech admin",
                           roles=f"{beech}:admin")
        boss = User(username="ceo", display_name="Trust lead", roles="trust_admin")
        s.add_all([beech_admin, boss])
        s.commit()
    app = make_app(sqlite_db, blank_nlp)
    client, _ = signed_in(app, sqlite_db, beech_admin)
    page = client.get("/admin/audit/verify").text
    assert "All 6 entries of this school's log verified" in page
    assert "Every school's chain" not in page  # a school's admin sees their own only
    _tamper(sqlite_db, f"UPDATE audit_entry SET actor = 'mallory' WHERE position = {second[0]}")
    page = client.get("/admin/audit/verify").text
    assert "The log was tampered with." in page
    assert f"entry 1: edited (log position {second[0]}): its contents no longer match" in page
    lead, _ = signed_in(app, sqlite_db, boss)
    page = lead.get("/admin/audit/verify").text
    assert "Every school's chain (you are a trust admin)" in page
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>(?:<span class="ok">(intact)|'
                      r'<strong class="error">(tampered))', page)
    assert [(name, ok or bad) for name, ok, bad in rows] == [
        ("First school", "intact"), ("Beech Primary", "tampered"),
        ("The whole trust (every entry, one chain)", "tampered")]
