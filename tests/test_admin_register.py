"""Admins import the register, read each learner's consents and withdraw consent on the web."""

from __future__ import annotations

from sqlmodel import Session

from consent_store.models import Learner
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.web_support import add_user, import_on_the_web, make_app, signed_in


def _admin(db, nlp):  # noqa: ANN001, ANN202
    admin = add_user(db, "dpo", Role.ADMIN)
    return signed_in(make_app(db, nlp), db, admin)


def _import(client, csrf: str, content: bytes, name: str = "register.csv"):  # noqa: ANN001, ANN202
    return import_on_the_web(client, csrf, content, name)


def test_import_then_the_learners_and_their_consents_are_listed(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    resp = _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    assert resp.status_code == 200
    assert "Register imported." in resp.text and "learner(s) added" in resp.text
    listing = client.get("/admin/register?q=Thompson").text
    assert "Amelia Thompson" in listing and "first name only" in listing
    assert "Jayden" not in listing


def test_a_bad_file_is_refused_with_every_problem_and_nothing_changes(
        sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    good = (EXAMPLES / "register.csv").read_bytes().decode()
    bad = good.replace(",first,yes,", ",sometimes,yes,", 1)
    resp = _import(client, csrf, bad.encode(), "autumn.csv")
    assert resp.status_code == 400
    assert "autumn.csv was not imported; nothing was changed" in resp.text
    assert "line 2" in resp.text and "name_consent" in resp.text
    with Session(sqlite_db) as s:
        assert s.get(Learner, "A123456789012") is None


def test_a_non_utf8_file_gets_advice(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    resp = _import(client, csrf, "upn,first_name\nA1,Zoë\n".encode("latin-1"))
    assert resp.status_code == 400 and "CSV UTF-8" in resp.text


def test_withdrawing_facebook_photo_and_name_consent(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    page = client.get("/admin/register/B234567890123").text
    assert "Facebook, X (Twitter), Class Dojo" in page and "full name" in page
    resp = client.post("/admin/register/B234567890123/withdraw", data={
        "csrf_token": csrf, "photo": ["facebook"], "name": "none", "reason": "parent emailed"})
    assert resp.status_code == 200
    assert "photo consent withdrawn for facebook; name consent withdrawn" in resp.text
    assert "Record the same change in your MIS too" in resp.text
    with Session(sqlite_db) as s:
        learner = s.get(Learner, "B234567890123")
        assert learner.photo_channels == "twitter;classdojo" and learner.name_consent == "none"
    check = client.post("/api/check", json={"text": "Well done Jayden Okafor"},
                        headers={"X-CSRF-Token": csrf})
    assert check.json()["verdict"] == "block"


def test_withdrawing_biometric_consent(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    resp = client.post("/admin/register/A123456789012/withdraw",
                       data={"csrf_token": csrf, "biometric": "true", "reason": "parent emailed"})
    assert "biometric consent withdrawn" in resp.text
    with Session(sqlite_db) as s:
        assert s.get(Learner, "A123456789012").biometric_consent is False


def test_withdrawing_nothing_or_for_an_unknown_learner_is_explained(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    empty = client.post("/admin/register/A123456789012/withdraw", data={"csrf_token": csrf})
    assert empty.status_code == 400 and "tick at least one consent" in empty.text
    missing = client.post("/admin/register/Z999999999999/withdraw",
                          data={"csrf_token": csrf, "name": "none", "reason": "parent emailed"})
    assert missing.status_code == 404 and "no learner with UPN Z999999999999" in missing.text


def test_register_pages_are_admin_only(sqlite_db, blank_nlp) -> None:
    head = add_user(sqlite_db, "head", Role.HEADTEACHER, Role.DSL, Role.APPROVER)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, head)
    assert client.get("/admin/register").status_code == 403
    assert _import(client, csrf, b"upn\n").status_code == 403


class _Posted:
    """A channel that accepts every post (the release itself is tested elsewhere)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def publish(self, item):  # noqa: ANN001, ANN201
        from secondlook.release.adapters import Published

        return Published(f"{self.channel}-1", f"https://{self.channel}.example/1")


def test_withdrawal_puts_released_posts_showing_the_learner_on_the_takedown_list(
        sqlite_db, blank_nlp) -> None:
    from dataclasses import replace

    from secondlook.release import publishing
    from tests.fakes.fixtures import content

    client, csrf = _admin(sqlite_db, blank_nlp)
    _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    posted = replace(content("Sports day", channels=("facebook",)), named=(),
                     pictured=("B234567890123",))
    publishing.publish(db=sqlite_db, content=posted, adapter=_Posted("facebook"), user_id=None)
    resp = client.post("/admin/register/B234567890123/withdraw",
                       data={"csrf_token": csrf, "photo": ["facebook"], "reason": "parent emailed"})
    assert "1 released post(s) added to the takedown list" in resp.text
    other = client.post("/admin/register/B234567890123/withdraw",
                        data={"csrf_token": csrf, "photo": ["twitter"], "reason": "parent emailed"})
    assert "takedown" not in other.text.split("Done:")[1].split("Record")[0]


def _enrolling_admin(db, nlp, tmp_path):  # noqa: ANN001, ANN202
    from tests.face_support import FakeBackend

    app = make_app(db, nlp, home=tmp_path, data_key=None)
    app.state.moderation.services["face-backend"] = FakeBackend()
    client, csrf = signed_in(app, db, add_user(db, "dpo", Role.ADMIN))
    _import(client, csrf, (EXAMPLES / "register.csv").read_bytes())
    return client, csrf


def _enrol(client, csrf: str, upn: str, *photos: bytes):  # noqa: ANN001, ANN202
    files = [("photos", (f"ref{n}.png", p, "image/png")) for n, p in enumerate(photos)]
    return client.post(f"/admin/register/{upn}/enrol", data={"csrf_token": csrf}, files=files)


def test_enrol_reference_photos_then_withdrawal_deletes_them(
        sqlite_db, blank_nlp, tmp_path) -> None:
    from tests.face_support import painted

    client, csrf = _enrolling_admin(sqlite_db, blank_nlp, tmp_path)
    resp = _enrol(client, csrf, "A123456789012", painted((200, 200), [(7, 40, 40, 90)]))
    assert resp.status_code == 200
    assert "1 reference photo(s) enrolled, 1 in all" in resp.text
    assert "1 reference photo(s) enrolled, the latest on" in resp.text
    gone = client.post("/admin/register/A123456789012/withdraw",
                       data={"csrf_token": csrf, "biometric": "true", "reason": "parent emailed"})
    assert "1 reference photo(s) and their face templates deleted" in gone.text
    assert "None enrolled" in gone.text


def test_enrolment_refusals_are_explained(sqlite_db, blank_nlp, tmp_path) -> None:
    from tests.face_support import painted

    client, csrf = _enrolling_admin(sqlite_db, blank_nlp, tmp_path)
    group = _enrol(client, csrf, "A123456789012",
                   painted((300, 200), [(7, 40, 20, 60), (9, 40, 180, 60)]))
    assert group.status_code == 400 and "2 faces were found" in group.text
    no_consent = _enrol(client, csrf, "D456789012345", painted((200, 200), [(7, 40, 40, 90)]))
    assert no_consent.status_code == 400 and "has no biometric consent" in no_consent.text
    assert 'action="/admin/register/D456789012345/enrol"' not in no_consent.text


def test_a_reimport_does_not_give_back_a_consent_withdrawn_on_the_page(
        sqlite_db, blank_nlp) -> None:
    """Issue 11.1: "0 added, 2 updated" and the Facebook photo consent was back."""
    client, csrf = _admin(sqlite_db, blank_nlp)
    register = (EXAMPLES / "register.csv").read_bytes()
    _import(client, csrf, register)
    client.post("/admin/register/B234567890123/withdraw", data={
        "csrf_token": csrf, "photo": ["facebook"], "reason": "parent emailed"})
    again = _import(client, csrf, register)
    assert "0 learner(s) added, 0 updated, 5 unchanged." in again.text
    with Session(sqlite_db) as s:
        assert s.get(Learner, "B234567890123").photo_channels == "twitter;classdojo"
