"""One meaning of "staff": every account counts, and the list of colleagues without one is
managed on the web. The author's own "Mrs Jones" is never sent to the headteacher."""

from __future__ import annotations

import html

import pytest
from sqlmodel import Session, select

from consent_store.snapshot import StaffRecord
from consent_store.staff import staff_from_name
from moderation.draft import Draft
from moderation.pipeline import check
from secondlook.accounts.models import Role
from secondlook.workflow.models import AuditEntry
from secondlook.workflow.snapshots import register_version, stored_snapshot
from tests.conftest import checker_for
from tests.web_support import add_user, make_app, signed_in


@pytest.mark.parametrize(("name", "record"), [
    ("Mrs Jones", StaffRecord("Mrs", "", "Jones")),
    ("Mrs Sarah Jones", StaffRecord("Mrs", "Sarah", "Jones")),
    ("Dr. Ade Okoro-Smith", StaffRecord("Dr.", "Ade", "Okoro-Smith")),
    ("Amy Author", StaffRecord("", "Amy", "Author")),
    ("Bob", StaffRecord("", "Bob", "")),
])
def test_an_accounts_name_is_read_as_people_write_it(name: str, record: StaffRecord) -> None:
    assert staff_from_name(name) == record


def test_every_account_counts_as_staff(sqlite_db, engine) -> None:  # noqa: ANN001
    text = "Mrs Jones and her class visited the farm."
    with Session(sqlite_db) as s:
        before = register_version(s)
        flagged = check(Draft.create(text), stored_snapshot(s, key=None), engine)
    assert [f.check for f in flagged.findings] == ["person_name"]  # unknown: to the head
    add_user(sqlite_db, "sjones", Role.AUTHOR, name="Mrs Jones")
    with Session(sqlite_db) as s:
        assert register_version(s) != before  # drafts checked before are re-checked
        report = check(Draft.create(text), stored_snapshot(s, key=None), engine)
    assert report.findings == () and report.verdict == "pass"


def test_the_live_check_knows_the_author_herself(sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "sjones", Role.AUTHOR,
                                                      name="Mrs Sarah Jones"))
    resp = client.post("/drafts/check", data={"text": "Mrs Jones says well done!",
                                              "channels": ["facebook"]},
                       headers={"X-CSRF-Token": csrf})
    assert "Nothing found in the text" in resp.text and "person's name" not in resp.text


def test_admin_adds_removes_and_imports_staff_names(sqlite_db, blank_nlp, engine) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "dpo", Role.ADMIN,
                                                      name="Dee Admin"))
    checker = checker_for(engine)
    text = "Thank you to Mr Patel, our caretaker."
    with Session(sqlite_db) as s:
        assert checker.run(s, Draft.create(text)).report.verdict == "review"
    added = client.post("/admin/staff-names", data={"csrf_token": csrf, "title": "Mr",
                                                    "first_name": "", "last_name": "Patel"},
                        follow_redirects=True)
    assert "Mr Patel added: the checks will not flag this name." in added.text
    assert "Dee Admin" in added.text  # accounts are listed as counted already
    with Session(sqlite_db) as s:
        assert checker.run(s, Draft.create(text)).report.verdict == "pass"
    again = client.post("/admin/staff-names", data={"csrf_token": csrf, "title": "Mr",
                                                    "last_name": "Patel"})
    assert again.status_code == 422 and "Mr Patel is already on the list" in again.text
    empty = client.post("/admin/staff-names", data={"csrf_token": csrf, "title": "Mrs"})
    assert empty.status_code == 422 and "give a first name or a surname" in empty.text
    csv = b"title,first_name,last_name\nMrs,Sarah,Jones\nMr,David,Hughes\n"
    imported = client.post("/admin/staff-names/import", data={"csrf_token": csrf},
                           files={"file": ("staff.csv", csv, "text/csv")}, follow_redirects=True)
    assert "2 staff name(s) imported from staff.csv; they replace the old list." in imported.text
    assert "Mr Patel" not in imported.text.split("On the list")[1].split("Staff with an")[0]
    bad = client.post("/admin/staff-names/import", data={"csrf_token": csrf},
                      files={"file": ("bad.csv", b"name\nJo\n", "text/csv")})
    assert bad.status_code == 400 and "missing column 'title'" in html.unescape(bad.text)
    with Session(sqlite_db) as s:
        actions = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert actions[-2:] == ["staff.add", "staff.import"]  # after the accounts' own entries


def test_removing_a_name_asks_first(sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "dpo", Role.ADMIN))
    page = client.post("/admin/staff-names", data={"csrf_token": csrf, "first_name": "Kim",
                                                   "last_name": "Lee"},
                       follow_redirects=True).text
    assert 'data-confirm="Remove Kim Lee from the staff names?' in page
    staff_id = page.split('action="/admin/staff-names/')[1].split("/remove")[0]
    gone = client.post(f"/admin/staff-names/{staff_id}/remove", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert "Kim Lee removed from the list." in gone.text
    missing = client.post(f"/admin/staff-names/{staff_id}/remove", data={"csrf_token": csrf})
    assert missing.status_code == 404
