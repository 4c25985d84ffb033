"""Draft pages: write, check as you type, fix, submit, approve, sign off, audit."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, make_app, signed_in

SHA = re.compile(r'name="content_sha256" value="([0-9a-f]{64})"')


@pytest.fixture
def school(sqlite_db, blank_nlp):  # noqa: ANN001, ANN201
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation.services["face-backend"] = FakeBackend()
    users = {"amy": add_user(sqlite_db, "amy", Role.AUTHOR, name="Amy Author"),
             "bob": add_user(sqlite_db, "bob", Role.APPROVER, name="Bob Approver"),
             "head": add_user(sqlite_db, "head", Role.HEADTEACHER, name="Mrs Head")}
    return {name: signed_in(app, sqlite_db, u) for name, u in users.items()}


def _new(client: TestClient, csrf: str, text: str, photos: list[bytes] = (),  # noqa: B006
         channels: tuple[str, ...] = ("facebook", "classdojo")) -> int:
    files = [("photos", (f"IMG_{n}.png", p, "image/png")) for n, p in enumerate(photos)]
    resp = client.post("/drafts", data={"csrf_token": csrf, "text": text,
                                        "channels": list(channels)},
                       files=files or None, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return int(resp.headers["location"].rsplit("/", 1)[1])


def _edit(client: TestClient, csrf: str, draft_id: int, **form) -> object:  # noqa: ANN003
    page = client.get(f"/drafts/{draft_id}").text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf, "revision": revision, "channels": ["facebook", "classdojo"],
            **form}
    return client.post(f"/drafts/{draft_id}/edit", data=data)


def test_live_check_marks_the_flagged_name(school) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    resp = client.post("/drafts/check", data={"text": "Well done Amelia Thompson!",
                                              "channels": ["facebook"]},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert resp.status_code == 200
    assert re.search(r'<mark class="finding block" data-n="1"[^>]*>Amelia Thompson</mark>',
                     resp.text)
    assert "Use the first name only" in resp.text
    assert "<html" not in resp.text  # a fragment for htmx to swap in


def test_photo_is_shown_with_a_box_per_face(school) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, "Sports day", [painted((400, 300), [(7, 60, 80, 80)])])
    page = client.get(f"/drafts/{draft_id}").text
    assert '<svg viewBox="0 0 400 300"' in page
    assert re.search(r'<rect class="face unknown" x="80" y="60" width="\d+" height="\d+"', page)
    assert "does not confidently match any learner" in page
    image_url = re.search(r'<img src="(/drafts/\d+/images/[0-9a-f]{64})"', page).group(1)
    image = client.get(image_url)
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


def test_author_fixes_the_name_submits_and_cannot_approve(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    draft_id = _new(amy, amy_csrf, "Well done Amelia Thompson!")
    assert "Submit for approval" not in amy.get(f"/drafts/{draft_id}").text  # blocked
    _edit(amy, amy_csrf, draft_id, text="Well done Amelia!")
    page = amy.get(f"/drafts/{draft_id}").text
    assert "Submit for approval" in page and "Nothing stops this post" in page
    assert "Draft: not submitted yet" in page  # the status line, from the state
    amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    page = amy.get(f"/drafts/{draft_id}").text
    assert "Approve this version" not in page and "you cannot approve your own post" in page
    forged = amy.post(f"/drafts/{draft_id}/approve",
                      data={"csrf_token": amy_csrf, "content_sha256": "0" * 64})
    assert forged.status_code == 403  # the author holds no approver role


def test_colleague_approves_exactly_what_they_saw(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    bob, bob_csrf = school["bob"]
    draft_id = _new(amy, amy_csrf, "A lovely relay race today.")
    amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    start = bob.get("/").text
    assert "Waiting for you" in start and "A lovely relay race today." in start
    assert f'href="/drafts/{draft_id}"' in start and ">Approve</a>" in start  # the next step
    page = bob.get(f"/drafts/{draft_id}").text
    assert "What will be posted" in page and "Approve this version" in page
    assert 'aria-label="As it will appear on Facebook"' in page  # a preview per channel
    assert 'aria-label="As it will appear in the Class Dojo school story"' in page
    sha = SHA.search(page).group(1)
    resp = bob.post(f"/drafts/{draft_id}/approve",
                    data={"csrf_token": bob_csrf, "content_sha256": sha})
    assert resp.status_code == 200 and "Approved by Bob Approver" in resp.text
    assert '<p class="status status-ready" id="status">Approved: ready to release</p>' in resp.text
    assert f'href="/drafts/{draft_id}/release">Release this post' in resp.text
    assert "A lovely relay race" not in bob.get("/").text.split("Waiting for you")[1]


def test_approval_of_an_outdated_version_is_refused(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    bob, bob_csrf = school["bob"]
    draft_id = _new(amy, amy_csrf, "A lovely relay race today.")
    amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    seen = SHA.search(bob.get(f"/drafts/{draft_id}").text).group(1)
    amy.post(f"/drafts/{draft_id}/edit", data={
        "csrf_token": amy_csrf, "revision": "1", "text": "A lovely relay race this morning.",
        "channels": ["facebook"]})
    resp = bob.post(f"/drafts/{draft_id}/approve",
                    data={"csrf_token": bob_csrf, "content_sha256": seen})
    assert resp.status_code == 409 and "changed since you opened it" in resp.text


def test_flagged_draft_needs_the_headteachers_written_sign_off(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    head, head_csrf = school["head"]
    draft_id = _new(amy, amy_csrf, "Our councillor lied to parents about the school fair.")
    amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    start = head.get("/").text
    assert "Waiting for you" in start and "Our councillor lied" in start
    assert ">Sign off</a>" in start
    page = head.get(f"/drafts/{draft_id}").text
    assert '<mark class="finding review"' in page and "Sign off" in page
    sha = SHA.search(page).group(1)
    short = head.post(f"/drafts/{draft_id}/signoff",
                      data={"csrf_token": head_csrf, "content_sha256": sha, "reason": "ok"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    reason = "The statement is on public record; wording agreed with the chair."
    done = head.post(f"/drafts/{draft_id}/signoff",
                     data={"csrf_token": head_csrf, "content_sha256": sha, "reason": reason})
    assert "Signed off by Mrs Head (headteacher)" in done.text
    audit = head.get(f"/drafts/{draft_id}/audit").text
    for action in ("Wrote the post", "Submitted it for approval", "Signed it off"):
        assert f'<span class="action">{action}</span>' in audit
    assert f"Reason: “{reason}”" in audit and "<strong>Mrs Head</strong>" in audit


def test_approver_cannot_see_signoff_button_and_server_refuses(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    bob, bob_csrf = school["bob"]
    draft_id = _new(amy, amy_csrf, "Our councillor lied to parents about the school fair.")
    amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    page = bob.get(f"/drafts/{draft_id}").text
    assert "Sign off" not in page
    resp = bob.post(f"/drafts/{draft_id}/signoff", data={
        "csrf_token": bob_csrf, "content_sha256": SHA.search(page).group(1),
        "reason": "I think this is fine to publish."})
    assert resp.status_code == 403


def test_drop_channel_fix_makes_a_new_revision(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    draft_id = _new(amy, amy_csrf, "A lovely relay race today.")
    resp = amy.post(f"/drafts/{draft_id}/fix/drop-channel",
                    data={"csrf_token": amy_csrf, "channel": "facebook"})
    assert resp.status_code == 200
    assert "stopped posting to Facebook" in resp.text and "Version 2" in resp.text


def test_bad_input_gets_a_message_not_a_traceback(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    none = amy.post("/drafts", data={"csrf_token": amy_csrf, "text": "Hello"})
    assert none.status_code == 422 and "tick at least one channel" in none.text
    empty = amy.post("/drafts", data={"csrf_token": amy_csrf, "text": " ",
                                      "channels": ["facebook"]})
    assert empty.status_code == 422 and "needs text or at least one photo" in empty.text
    assert amy.get("/drafts/999").status_code == 404


def test_other_authors_cannot_open_my_draft_or_its_photos(school, sqlite_db) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    draft_id = _new(amy, amy_csrf, "Sports day", [painted((100, 80), [])])
    url = re.search(r'<img src="(/drafts/\d+/images/[0-9a-f]{64})"',
                    amy.get(f"/drafts/{draft_id}").text).group(1)
    zoe = add_user(sqlite_db, "zoe", Role.AUTHOR)
    other, _ = signed_in(amy.app, sqlite_db, zoe)
    assert other.get(f"/drafts/{draft_id}").status_code == 403
    assert other.get(url).status_code == 403


def test_a_long_queue_shows_the_oldest_and_says_there_are_more(school, sqlite_db) -> None:  # noqa: ANN001
    from consent_store.db import session_scope
    from secondlook.accounts.users import find_user
    from secondlook.workflow.seed import seed_drafts
    from web.routers.pages import QUEUE_LIMIT

    with session_scope(sqlite_db) as s:
        seed_drafts(session=s, author=find_user(session=s, username="amy"),
                    count=QUEUE_LIMIT + 1, review_every=0)
    bob, _ = school["bob"]
    page = bob.get("/").text
    assert f'Waiting for you <span class="count">{QUEUE_LIMIT}+</span>' in page
    assert f"Showing the oldest {QUEUE_LIMIT}." in page
    assert "Post 1." in page and f"Post {QUEUE_LIMIT + 1}." not in page


def test_a_register_change_after_submission_is_rechecked_when_approving(school,
                                                                        sqlite_db) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    bob, bob_csrf = school["bob"]
    held = _new(amy, amy_csrf, "A lovely relay race today.")
    named = _new(amy, amy_csrf, "Well done Jayden Okafor!")
    for draft_id in (held, named):
        amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf})
    shas = {d: SHA.search(bob.get(f"/drafts/{d}").text).group(1) for d in (held, named)}
    with session_scope(sqlite_db) as s:  # Jayden's family narrows name consent
        from consent_store.models import Learner

        s.get(Learner, "B234567890123").name_consent = "first"
    ok = bob.post(f"/drafts/{held}/approve",
                  data={"csrf_token": bob_csrf, "content_sha256": shas[held]})
    assert ok.status_code == 200 and "Approved by Bob Approver" in ok.text
    refused = bob.post(f"/drafts/{named}/approve",
                       data={"csrf_token": bob_csrf, "content_sha256": shas[named]})
    assert refused.status_code == 409 and "re-checked the draft" in refused.text
    assert "Approve this version" not in bob.get(f"/drafts/{named}").text
    assert "first-name consent only" in amy.get(f"/drafts/{named}").text
