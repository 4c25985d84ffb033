"""Plain words on every page a comms officer, a colleague or a headteacher reads: no content
fingerprints, revisions, rule ids, "refused", "dsl", lower-case channel names or Python
dicts. Rule ids stay in the JSON, where scripts read them."""

from __future__ import annotations

import html
import re

from consent_store.db import session_scope
from moderation.draft import Draft
from moderation.pipeline import check
from secondlook.accounts.models import Role
from secondlook.workflow import audit
from tests.conftest import EXAMPLES, learner, snapshot
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, import_on_the_web, make_app, signed_in

JARGON = re.compile(r"content fingerprint|fingerprint|\brevision\b|\brefused\b|\bdsl\b|"
                    r"\btwitter\b|\bclassdojo\b|\b[a-z_]+\.[a-z]+(?:-[a-z]+)+\b|\{'|': '|"
                    r"Save draft and check photos")


def visible(page: str) -> str:
    """The text a reader sees: no tags, attributes, scripts or hidden form values."""
    body = page.split("<main>", 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_suggestion_names_the_learners_own_year_group(engine) -> None:  # noqa: ANN001
    ava = learner("G789012345678", "Ava", "Stone", year_group="Year 6", name_consent="none")
    report = check(Draft.create("Well done Ava!"), snapshot(ava), engine)
    (finding,) = [f for f in report.findings if f.check == "learner_name"]
    assert "'a Year 6 pupil'" in finding.suggestion


def test_draft_page_and_history_speak_plainly(sqlite_db, blank_nlp, tmp_path) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp, home=tmp_path, data_key=None)
    app.state.moderation.services["face-backend"] = FakeBackend()
    dpo, dpo_csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "dpo", Role.ADMIN))
    import_on_the_web(dpo, dpo_csrf, (EXAMPLES / "register.csv").read_bytes())
    dpo.post("/admin/register/A123456789012/enrol", data={"csrf_token": dpo_csrf},
             files=[("photos", ("ref.png", painted((200, 200), [(7, 40, 40, 90)])))])
    amy_user = add_user(sqlite_db, "amy", Role.AUTHOR, name="Amy Author")
    amy, csrf = signed_in(app, sqlite_db, amy_user)
    new = amy.get("/drafts/new").text
    assert "Save draft" in new and not JARGON.search(visible(new))
    photo = painted((320, 240), [(7, 60, 100, 80)])  # Amelia: photo consent for Class Dojo only
    resp = amy.post("/drafts", data={"csrf_token": csrf, "text": "Sports day at Oakfield.",
                                     "channels": ["facebook", "twitter", "classdojo"]},
                    files=[("photos", ("IMG_1.png", photo, "image/png"))], follow_redirects=True)
    draft_id = int(re.search(r"<h1>Post (\d+)</h1>", resp.text).group(1))
    amy.post(f"/drafts/{draft_id}/fix/drop-channel",
             data={"csrf_token": csrf, "channel": "twitter"})
    page = amy.get(f"/drafts/{draft_id}").text
    text = visible(page)
    assert "Face 1: no photo consent" in text and "Cannot be posted" in text
    assert "stopped posting to X (Twitter)" in text and "Version 2" in text
    assert "Don't post to Facebook" in text  # the one-click fix names the channel
    assert not JARGON.search(text), JARGON.search(text).group(0)
    with session_scope(sqlite_db) as s:  # what a release writes, as the release service does
        audit.append(session=s, actor=amy_user, action="channels", draft_id=draft_id,
                     detail={"channels": {"facebook": {"state": "posted", "attempts": 1,
                                                       "url": "https://www.facebook.com/1_2",
                                                       "error": ""}}})
        audit.append(session=s, actor=None, action="released", draft_id=draft_id,
                     detail={"links": {"classdojo": "https://www.classdojo.com/p/1"},
                             "to": "released"})
    history = visible(amy.get(f"/drafts/{draft_id}/audit").text)
    assert "Facebook: posted – https://www.facebook.com/1_2" in history
    assert "Class Dojo: https://www.classdojo.com/p/1" in history
    assert "Second Look (automatically) — Released it" in " ".join(history.split())
    assert "Amy Author" in history and not JARGON.search(history.replace("facebook.com", "")
                                                         .replace("classdojo.com", ""))


def test_the_policy_review_names_rules_in_words_and_local_time(sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp, timezone="Asia/Tokyo")
    amy, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR))
    amy.post("/drafts", data={"csrf_token": csrf, "text": "Thank you to Mr Okoro!",
                              "channels": ["facebook"]})
    head, _ = signed_in(app, sqlite_db, add_user(sqlite_db, "head", Role.HEADTEACHER))
    text = visible(head.get("/reports/policy").text)
    assert "People: unknown person" in text and "headteacher to decide" in text
    assert "(Asia/Tokyo time)" in text and "UTC" not in text
    assert not re.search(r"\b[a-z_]+\.[a-z]+(?:-[a-z]+)+\b", text)
