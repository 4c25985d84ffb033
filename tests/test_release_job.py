"""Release now is a background job: the request returns at once, the release page says
what the job is doing channel by channel and reloads itself (a meta refresh: no script,
the Content-Security-Policy stays as it is) until it is done; the API answers 202 with
the job's link. Here the server's own job runner works the job (SQLite, ``make run``)."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from secondlook.accounts.models import Role
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft, state_of
from tests.web_support import api_token, make_app, signed_in
from web.app import job_runner

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]
REFRESH = '<meta http-equiv="refresh"'


def _served_app(db, settings, nlp):  # noqa: ANN001, ANN202
    app = make_app(db, nlp, home=settings.home, data_key=settings.data_key,
                   facebook_graph_url=settings.facebook_graph_url,
                   x_api_url=settings.x_api_url, release_timeout_seconds=10,
                   jobs_run="server", metrics_token="metrics-secret")
    runner = job_runner(app)  # what the server's start-up starts
    runner.start()
    return app, runner


def _until(check, seconds: float = 30):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("not within the time")


def test_release_now_returns_at_once_and_the_page_follows_each_channel(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    app, runner = _served_app(sqlite_db, configured, blank_nlp)
    try:
        # Facebook takes 3 s to answer; X first refuses with a rate limit for 2 s.
        fake_facebook.faults.add("feed", Fault(200, apply=True, delay=3))
        fake_x.faults.add("tweets", Fault(429, headers={"retry-after": "2"}))
        client, csrf = signed_in(app, sqlite_db, staff["alice"])
        started = time.monotonic()
        sent = client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                           follow_redirects=False)
        assert sent.status_code == 303 and time.monotonic() - started < 2
        page_url = sent.headers["location"]
        assert re.fullmatch(rf"/drafts/{draft_id}/release\?done=sent&job=\d+", page_url)
        sending = _until(lambda: (p := client.get(page_url).text) and
                         "sending to Facebook…" in p and p)
        assert REFRESH in sending and "Releasing:" in sending
        waiting = _until(lambda: (p := client.get(page_url).text) and
                         "as X (Twitter) asked (rate limit)" in p and p)
        assert re.search(r"waiting \d s as X \(Twitter\) asked", waiting) and REFRESH in waiting
        done = _until(lambda: (p := client.get(page_url).text) and REFRESH not in p and p)
        assert "Released: every channel has the post." in done
        assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1
        assert state_of(sqlite_db, draft_id).state == "released"
    finally:
        runner.stop()


def test_the_api_answers_202_with_the_job_and_its_link(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[])
    app, runner = _served_app(sqlite_db, configured, blank_nlp)
    try:
        fake_facebook.faults.add("feed", Fault(200, apply=True, delay=2))
        api = TestClient(app)
        api.headers["Authorization"] = f"Bearer {api_token(sqlite_db, staff['alice'])}"
        started = time.monotonic()
        answer = api.post(f"/api/drafts/{draft_id}/release")
        assert answer.status_code == 202 and time.monotonic() - started < 1.5
        link = answer.headers["location"]
        assert answer.json()["job"]["url"] == link and answer.json()["job"]["running"]
        final = _until(lambda: (j := api.get(link).json()) and j["job"]["state"] in
                       ("succeeded", "failed") and j)
        assert final["job"]["state"] == "succeeded" and final["state"] == "released"
        assert [c["state"] for c in final["channels"]] == ["posted"]
        assert len(fake_facebook.posts) == 1
        assert api.get(f"/api/drafts/{draft_id}/release/jobs/999999").status_code == 404
        figures = api.get("/metrics", headers={"Authorization": "Bearer metrics-secret"}).text
        assert 'secondlook_background_jobs{state="succeeded",task="release_draft"} 1.0' in \
            figures, figures
        assert add_user_sees_nothing(app, sqlite_db, link)
    finally:
        runner.stop()


def add_user_sees_nothing(app, db, link: str) -> bool:  # noqa: ANN001
    """A DSL (who may not release) cannot read a release job either."""
    from tests.web_support import add_user

    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {api_token(db, add_user(db, 'dee', Role.DSL))}"
    return client.get(link).status_code == 403
