"""The calendar of scheduled and released posts, filtered by status, in the school's zone;
and, for admins, the audit log in words with its verification on the web."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session

from consent_store.db import session_scope
from secondlook.accounts.models import Role
from secondlook.release.models import ScheduledRelease
from secondlook.workflow import drafts
from tests.release_helpers import approved_draft
from tests.web_support import add_user, make_app, signed_in

pytest_plugins = ["tests.workflow_support"]
JULY_1_LONDON = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 BST on 1 July


def _month(db, staff, mengine) -> dict[str, int]:  # noqa: ANN001
    ids = {name: approved_draft(db, staff, mengine, ["classdojo"], text=f"{name} news",
                                photos=[])
           for name in ("Released", "Scheduled", "Failed")}
    with session_scope(db) as s:
        drafts.mark_released(session=s, draft_id=ids["Released"], user=staff["alice"])
        s.exec(text("UPDATE draft SET released_at = :t WHERE id = :d").bindparams(
            t=JULY_1_LONDON, d=ids["Released"]))
        s.add(ScheduledRelease(draft_id=ids["Scheduled"], scheduled_by_id=staff["alice"].id,
                               release_at=datetime(2026, 7, 10, 8, 0, tzinfo=UTC)))
        s.add(ScheduledRelease(draft_id=ids["Failed"], scheduled_by_id=staff["alice"].id,
                               release_at=datetime(2026, 7, 3, 15, 0, tzinfo=UTC),
                               state="failed", note="the approval expired"))
    return ids


def _cell(page: str, day: str) -> str:
    """The calendar cell of ``day`` ("1", "10"...) in July."""
    match = re.search(rf'<span class="dow">\w+ </span>{day}</span>(.*?)</td>', page, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def test_the_calendar_puts_each_post_on_its_local_day(sqlite_db, staff, mengine,  # noqa: ANN001
                                                      blank_nlp) -> None:  # noqa: ANN001
    ids = _month(sqlite_db, staff, mengine)
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["bob"])
    page = client.get("/calendar?month=2026-07").text
    assert "July 2026" in page
    assert f'href="/drafts/{ids["Released"]}"' in _cell(page, "1")  # not 30 June: BST
    assert "00:30" in _cell(page, "1") and "Released" in _cell(page, "1")
    assert "09:00" in _cell(page, "10") and "Scheduled news" in _cell(page, "10")
    assert "Schedule failed" in _cell(page, "3") and "the approval expired" in _cell(page, "3")
    only = client.get("/calendar?month=2026-07&status=scheduled").text
    assert "Scheduled news" in only and "Released news" not in only
    assert "Failed news" not in only
    june = client.get("/calendar?month=2026-06&status=released").text
    assert "Released news" not in june and "Nothing released in June 2026." in june
    assert client.get("/calendar?month=July").status_code == 422
    assert client.get("/calendar?status=lost").status_code == 422


def test_an_author_sees_her_own_schedule_and_what_is_public(sqlite_db, staff, mengine,  # noqa: ANN001
                                                            blank_nlp) -> None:  # noqa: ANN001
    _month(sqlite_db, staff, mengine)
    stranger = add_user(sqlite_db, "zed", Role.AUTHOR, name="Zed")
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, stranger)
    page = client.get("/calendar?month=2026-07").text
    assert "Released news" in page and "Scheduled news" not in page


def test_admins_read_and_verify_the_audit_log_on_the_web(sqlite_db, staff, mengine,  # noqa: ANN001
                                                         blank_nlp) -> None:  # noqa: ANN001
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[])
    app = make_app(sqlite_db, blank_nlp)
    client, _ = signed_in(app, sqlite_db, staff["adam"])
    page = client.get("/admin/audit").text
    assert "Bob</strong> — <span class=\"action\">Approved it" in page
    assert f'href="/drafts/{draft_id}">post {draft_id}</a>' in page
    ok = client.get("/admin/audit/verify").text
    assert "All 3 entries of this school's log verified: none was changed or deleted." in ok
    with Session(sqlite_db) as s:  # someone edits the database behind Second Look's back
        s.exec(text("DROP TRIGGER audit_entry_no_update"))
        s.exec(text("UPDATE audit_entry SET actor = 'mallory' WHERE position = 2"))
        s.commit()
    bad = client.get("/admin/audit/verify").text
    assert "The log was tampered with." in bad
    assert "entry 2: edited (log position 2): its contents no longer match its hash" in bad
    author, _ = signed_in(app, sqlite_db, staff["alice"])
    assert author.get("/admin/audit").status_code == 403
