"""Only what the channel certainly did not apply is retried, and never inside a person's
request: a 503 after posting is in doubt, a rate limit is recorded with its time and the
background releaser (``scheduling.run_due``) tries again when it comes."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from fastapi.testclient import TestClient

from consent_store.models import utcnow
from secondlook.release import scheduling
from secondlook.release.models import PostState
from secondlook.release.service import release_draft
from secondlook.workflow.models import DraftState
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft, state_of
from tests.web_support import api_token, make_app, signed_in

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def _app(db, settings, nlp):  # noqa: ANN001, ANN202
    return make_app(db, nlp, home=settings.home, data_key=settings.data_key,
                    facebook_graph_url=settings.facebook_graph_url,
                    x_api_url=settings.x_api_url)


def test_a_503_after_the_post_was_made_is_in_doubt_and_never_sent_again(
        sqlite_db, staff, mengine, configured, client, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(503, apply=True, body={"title": "Service Unavailable"}))
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client)
    (x,) = out.channels
    assert x.state == PostState.IN_DOUBT and "may or may not be online" in x.error
    assert x.retry_at is None
    assert len(fake_x.posts) == 1 and fake_x.calls.count("tweets") == 1
    scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured,
                       now=utcnow() + timedelta(hours=1), client=client)
    assert len(fake_x.posts) == 1 and fake_x.calls.count("tweets") == 1


def test_a_rate_limit_does_not_hold_the_request_and_is_retried_in_the_background(
        sqlite_db, staff, mengine, configured, blank_nlp, client, fake_facebook,
        fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    app = _app(sqlite_db, configured, blank_nlp)
    token = api_token(sqlite_db, staff["alice"])
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    fake_x.faults.add("tweets", *(Fault(429, headers={"retry-after": "1"},
                                        body={"title": "Too Many Requests"}) for _ in range(3)))
    started = time.monotonic()
    out = api.post(f"/api/drafts/{draft_id}/release").json()
    assert time.monotonic() - started < 1.5  # three 1 s waits would be 3 s
    channels = {c["channel"]: c for c in out["channels"]}
    assert channels["facebook"]["state"] == "posted" and fake_x.posts == []
    assert channels["twitter"]["state"] == "failed" and channels["twitter"]["retry_at"]
    browser, _ = signed_in(app, sqlite_db, staff["alice"])
    page = browser.get(f"/drafts/{draft_id}/release").text
    assert re.search(r"will be tried again at \d\d:\d\d", page), page

    for _ in range(3):  # the releaser's rounds: 429, 429, then posted
        time.sleep(1.05)
        scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured, client=client)
    assert state_of(sqlite_db, draft_id).state == DraftState.RELEASED
    assert len(fake_x.posts) == 1 and fake_x.calls.count("tweets") == 4
    assert len(fake_facebook.posts) == 1 and fake_facebook.calls.count("feed") == 1


def test_a_failure_while_uploading_a_photo_is_retried_later_not_waited_for(
        sqlite_db, staff, mengine, configured, client, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"])
    fake_x.faults.add("upload", Fault(502))
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client)
    (x,) = out.channels
    assert x.state == PostState.FAILED and x.retry_at is not None and fake_x.posts == []
    assert fake_x.calls == ["upload"]  # nothing else was tried in the request
    scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured, client=client,
                       now=x.retry_at + timedelta(seconds=1))
    assert state_of(sqlite_db, draft_id).state == DraftState.RELEASED
    assert len(fake_x.posts) == 1 and len(fake_x.posts[0].media) == 2


def test_a_refused_token_is_not_retried_by_itself(sqlite_db, staff, mengine, configured,
                                                  client, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.token = "rotated-by-x"
    (x,) = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id,
                         user=staff["alice"], settings=configured, client=client).channels
    assert x.state == PostState.FAILED and x.retry_at is None
    scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured, client=client,
                       now=utcnow() + timedelta(hours=1))
    assert fake_x.calls == ["tweets"]
