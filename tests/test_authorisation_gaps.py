"""Object-level gaps a review found: photos re-usable by hash, a refusal that described
someone else's draft, and one person both approving and signing off a flagged draft."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from moderation.checks.learner_names import LearnerNameCheck
from moderation.pipeline import Engine
from secondlook.accounts.models import Role
from tests.web_support import add_user, api_token, make_app
from tests.workflow_helpers import MarkerCheck, gps_jpeg

PEOPLE = {"alice": (Role.AUTHOR,), "mallory": (Role.AUTHOR,), "bob": (Role.APPROVER,),
          "helen": (Role.APPROVER, Role.HEADTEACHER), "harry": (Role.HEADTEACHER,)}


@pytest.fixture
def api(sqlite_db, blank_nlp) -> dict[str, TestClient]:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation = Engine(nlp=blank_nlp, checks=[LearnerNameCheck(), MarkerCheck()])
    return {name: TestClient(app, headers={
        "Authorization": f"Bearer {api_token(sqlite_db, add_user(sqlite_db, name, *roles))}"})
        for name, roles in PEOPLE.items()}


def _draft(api, who: str, **body) -> dict:  # noqa: ANN001, ANN003
    resp = api[who].post("/api/drafts", json={"text": "Sports day was great!", **body})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a_photo_is_reusable_only_from_a_draft_you_may_read(api) -> None:  # noqa: ANN001
    photo = base64.b64encode(gps_jpeg()).decode()
    mine = _draft(api, "alice", images=[{"data_base64": photo, "alt": "Race"}])
    sha = mine["images"][0]["sha256"]
    stolen = api["mallory"].post("/api/drafts", json={
        "text": "Look", "images": [{"sha256": sha, "alt": "x"}]})
    assert stolen.status_code == 404 and "no stored image" in stolen.json()["detail"]
    assert api["mallory"].get(mine["images"][0]["url"]).status_code == 403
    unknown = api["mallory"].post("/api/drafts", json={
        "text": "Look", "images": [{"sha256": "0" * 64, "alt": "x"}]})
    assert unknown.json()["detail"].split(" ")[:4] == stolen.json()["detail"].split(" ")[:4]
    again = _draft(api, "alice", images=[{"sha256": sha, "alt": "Race again"}])
    assert again["images"][0]["sha256"] == sha  # the author may re-use her own photo


def test_drop_channel_on_someone_elses_draft_is_refused_before_it_is_described(api) -> None:  # noqa: ANN001
    theirs = _draft(api, "alice", channels=["facebook", "classdojo"])
    for channel in ("twitter", "facebook"):
        resp = api["mallory"].post(f"/api/drafts/{theirs['id']}/fix/drop-channel",
                                   json={"channel": channel})
        assert resp.status_code == 403, resp.text
        assert "classdojo" not in resp.text and "not going to" not in resp.text


def _flagged(api) -> dict:  # noqa: ANN001
    draft = _draft(api, "alice", text="The councillor [review] lied")
    assert draft["verdict"] == "review"
    api["alice"].post(f"/api/drafts/{draft['id']}/submit")
    return draft


def test_one_person_cannot_both_approve_and_sign_off_a_flagged_draft(api) -> None:  # noqa: ANN001
    draft = _flagged(api)
    url, sha = f"/api/drafts/{draft['id']}", draft["content_sha256"]
    assert api["helen"].post(f"{url}/approve", json={"content_sha256": sha}).status_code == 200
    again = api["helen"].post(f"{url}/signoff", json={"content_sha256": sha,
                                                       "reason": "Quoting the minutes"})
    assert again.status_code == 403 and "second colleague" in again.json()["detail"]
    assert "signoff" not in api["helen"].get(url).json()["actions"]
    done = api["harry"].post(f"{url}/signoff", json={"content_sha256": sha,
                                                      "reason": "Quoting the minutes"})
    assert done.status_code == 200 and done.json()["state"] == "approved"


def test_signing_off_first_does_not_let_the_same_person_approve(api) -> None:  # noqa: ANN001
    draft = _flagged(api)
    url, sha = f"/api/drafts/{draft['id']}", draft["content_sha256"]
    assert api["helen"].post(f"{url}/signoff", json={
        "content_sha256": sha, "reason": "Quoting the minutes"}).status_code == 200
    again = api["helen"].post(f"{url}/approve", json={"content_sha256": sha})
    assert again.status_code == 403 and "second colleague" in again.json()["detail"]
    assert api["bob"].post(f"{url}/approve", json={"content_sha256": sha}).json()["state"] == \
        "approved"
