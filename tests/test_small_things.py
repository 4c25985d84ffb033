"""Small things that cost trust: adding staff says it worked; blurring, withdrawing consent
(and so deleting face templates) and rejecting ask first."""

from __future__ import annotations

import re

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.face_support import FakeBackend, painted
from tests.web_support import PASSWORD, add_user, make_app, signed_in


def test_adding_a_member_of_staff_says_what_to_tell_them(sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "head", Role.ADMIN))
    page = client.post("/admin/users", data={
        "csrf_token": csrf, "username": "jsmith", "display_name": "Mrs Smith",
        "password": PASSWORD, "roles": ["author", "approver"]}, follow_redirects=True).text
    assert re.search(r"Account created for <strong>Mrs Smith</strong>: they sign in as\s+"
                     r"<code>jsmith</code>", page)
    user_id = re.search(r'action="/admin/users/(\d+)" aria-label="Change Mrs Smith"',
                        page).group(1)
    saved = client.post(f"/admin/users/{user_id}", data={
        "csrf_token": csrf, "roles": ["author"], "active": "true"}, follow_redirects=True)
    assert "Changes to Mrs Smith saved." in saved.text
    assert "Safeguarding lead (DSL)" in saved.text  # roles in words


def test_destructive_steps_ask_before_they_happen(sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation.services["face-backend"] = FakeBackend()
    admin, _ = signed_in(app, sqlite_db, add_user(sqlite_db, "dpo", Role.ADMIN))
    learner = admin.get("/admin/register/A123456789012").text
    assert re.search(r'action="/admin/register/A123456789012/withdraw"\s+data-confirm="Withdraw '
                     r"the ticked consents for Amelia Thompson\? Face matching withdrawn "
                     r"deletes their face templates", learner)
    amy, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR))
    photo = painted((200, 150), [(5, 30, 40, 60)])
    page = amy.post("/drafts", data={"csrf_token": csrf, "text": "Sports day",
                                     "channels": ["facebook"]},
                    files=[("photos", ("p.png", photo, "image/png"))], follow_redirects=True).text
    assert re.search(r'action="/drafts/\d+/faces/blur" class="inline"\s*data-confirm="Replace '
                     r'photo 1 with a copy where face 1 is blurred\?', page)
    assert '<script src="/static/app.js" defer></script>' in page
    script = amy.get("/static/app.js").text
    assert "data-confirm" in script and "window.confirm" in script
