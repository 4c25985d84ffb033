"""A single-school database, made at the schema before schools existed and holding data
(learners, a draft with its revision, staff, an audit trail), becomes the trust's first
school with nothing lost: the data is there, the audit chain verifies, the app works, and
a second school added afterwards sees none of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from consent_store.db import make_engine
from consent_store.models import Learner, StaffMember
from consent_store.scope import use_school
from secondlook.accounts.models import User
from secondlook.accounts.sessions import create_session
from secondlook.database import alembic_config, current_revision, head_revision, migrate
from secondlook.schools import add_school
from secondlook.workflow import audit
from secondlook.workflow.models import AuditEntry, DraftRecord
from tests.conftest import POSTGRES_URL, _reset_postgres

BEFORE_SCHOOLS = "0016_face_decisions"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _old_database(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL not configured: set SECONDLOOK_TEST_POSTGRES_URL")
        url = POSTGRES_URL
        _reset_postgres(make_engine(url))
    db = make_engine(url)
    cfg = alembic_config(url)
    with db.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, BEFORE_SCHOOLS)
    _fill(db)
    db.dispose()
    return url


def _fill(db) -> None:  # noqa: ANN001
    """Rows as the previous version wrote them (no school anywhere), in plain SQL."""
    with db.begin() as conn:
        conn.execute(text(
            "INSERT INTO user_account (id, username, display_name, roles, active, "
            "password_hash, created_at) VALUES (1, 'head', 'Mrs Head', "
            "'author;approver;headteacher;admin', :t, '', :now)"), {"t": True, "now": NOW})
        for upn, first, last in (("A123456789012", "Tamsin", "Oyelaran"),
                                 ("A123456789013", "Kofi", "Mensah")):
            conn.execute(text(
                "INSERT INTO learner (upn, first_name, last_name, preferred_name, aliases, "
                "year_group, photo_channels, name_consent, biometric_consent, "
                "biometric_objection, never_publish, \"left\", created_at, updated_at) VALUES "
                "(:upn, :f, :l, '', '', 'Year 5', 'website', 'first', :no, :no, :no, :no, "
                ":now, :now)"), {"upn": upn, "f": first, "l": last, "no": False, "now": NOW})
        conn.execute(text("INSERT INTO staff_member (id, title, first_name, last_name) "
                          "VALUES (1, 'Mr', 'Oldstaff', 'Teacher')"))
        conn.execute(text(
            "INSERT INTO draft (id, author_id, state, version, current_revision, created_at, "
            "updated_at, released_sha256) VALUES (1, 1, 'draft', 1, 1, :now, :now, '')"),
            {"now": NOW})
        conn.execute(text(
            "INSERT INTO draft_revision (id, draft_id, number, text, channels, content_sha256, "
            "verdict, safeguarding, report_json, register_version, edited_by_id, system_edit, "
            "created_at) VALUES (1, 1, 1, 'Our harvest festival was lovely.', 'website', "
            "'c0ffee', 'pass', :no, '{\"verdict\": \"pass\", \"findings\": []}', '', 1, '', "
            ":now)"), {"no": False, "now": NOW})
        previous = audit.GENESIS
        for position, action in enumerate(("account.create", "draft.created"), start=1):
            entry = SimpleNamespace(position=position, created_at=NOW, actor_id=1, actor="head",
                                    action=action, draft_id=1 if position == 2 else None,
                                    revision=None, content_sha256="", detail="{}",
                                    prev_sha256=previous)
            digest = audit.entry_hash(entry)  # type: ignore[arg-type]
            conn.execute(text(
                "INSERT INTO audit_entry (position, created_at, actor_id, actor, action, "
                "draft_id, revision, content_sha256, detail, prev_sha256, entry_sha256) VALUES "
                "(:p, :t, 1, 'head', :a, :d, NULL, '', '{}', :prev, :h)"),
                {"p": position, "t": NOW, "a": action, "d": entry.draft_id, "prev": previous,
                 "h": digest})
            previous = digest
        conn.execute(text("UPDATE audit_head SET position = 2, entry_sha256 = :h WHERE id = 1"),
                     {"h": previous})


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_single_school_database_becomes_the_first_school(kind, tmp_path,  # noqa: ANN001
                                                           blank_nlp) -> None:  # noqa: ANN001
    from tests.web_support import make_app

    db = make_engine(_old_database(kind, tmp_path))
    assert current_revision(db) == BEFORE_SCHOOLS
    migrate(db)
    assert current_revision(db) == head_revision()
    with Session(db) as s:
        learners = s.exec(select(Learner).order_by(Learner.upn)).all()
        assert [(x.first_name, x.school_id) for x in learners] == [("Tamsin", 1), ("Kofi", 1)]
        assert s.exec(select(StaffMember.first_name)).all() == ["Oldstaff"]
        assert s.exec(select(DraftRecord.school_id)).all() == [1]
        assert [e.school_id for e in s.exec(select(AuditEntry))] == [1, 1]
        result = audit.verify(session=s)
        assert result.ok and result.entries == 2, result.problems
        head = s.get(User, 1)
        assert head is not None and len(head.role_set()) == 4  # every role, at the first school
        token = create_session(session=s, user=head)
        s.commit()
    app = make_app(db, blank_nlp)
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.cookies.set("sl_session", token)
    page = client.get("/drafts/1")
    assert page.status_code == 200 and "harvest festival" in page.text
    register = client.get("/admin/register")
    assert "Tamsin" in register.text and "Kofi" in register.text
    with Session(db) as s:  # a school added later starts empty, and the first keeps its own
        second = add_school(s, "Beech Primary")
        s.commit()
        assert second.id == 2
    with use_school(2), Session(db) as s:
        assert s.exec(select(Learner)).all() == [] and s.get(DraftRecord, 1) is None
    with Session(db) as s:
        assert len(s.exec(select(Learner)).all()) == 2
        assert audit.verify(session=s).ok
    db.dispose()
