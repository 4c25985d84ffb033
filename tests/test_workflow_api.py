"""The JSON API over the workflow: the same rules as the pages, as 403/404/409/422 with
the rule's own message, for clients holding a per-user API token."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from consent_store.db import session_scope
from consent_store.models import utcnow
from consent_store.register_import import import_register_file
from moderation.checks.learner_names import LearnerNameCheck
from moderation.pipeline import Engine
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.web_support import add_user, api_token, make_app
from tests.workflow_helpers import MarkerCheck, gps_jpeg


@pytest.fixture
def api(sqlite_db, blank_nlp):  # noqa: ANN001, ANN201
    """One client per person, each with its own API token."""
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation = Engine(nlp=blank_nlp, checks=[LearnerNameCheck(), MarkerCheck()])
    people = {"alice": (Role.AUTHOR,), "bob": (Role.APPROVER,),
              "carol": (Role.AUTHOR, Role.APPROVER), "helen": (Role.HEADTEACHER,)}
    clients = {}
    for name, roles in people.items():
        token = api_token(sqlite_db, add_user(sqlite_db, name, *roles))
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    return clients


def create(api, who="alice", **body):  # noqa: ANN001, ANN003, ANN201
    body.setdefault("text", "Sports day was great!")
    resp = api[who].post("/api/drafts", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a_post_from_draft_to_approval_over_the_api(api) -> None:  # noqa: ANN001
    photo = base64.b64encode(gps_jpeg()).decode()
    draft = create(api, channels=["facebook"], images=[{"data_base64": photo, "alt": "Race"}])
    assert draft["state"] == "draft" and draft["verdict"] == "pass"
    assert draft["images"][0]["alt"] == "Race" and "submit" in draft["actions"]
    url = f"/api/drafts/{draft['id']}"
    assert api["alice"].post(f"{url}/submit").json()["state"] == "submitted"
    queue = api["bob"].get("/api/queues/awaiting-approval").json()
    assert [(q["id"], q["verdict"]) for q in queue] == [(draft["id"], "pass")]
    done = api["bob"].post(f"{url}/approve", json={"content_sha256": draft["content_sha256"]})
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert done.json()["approvals"][0]["user"] == "bob"
    trail = api["alice"].get(f"{url}/audit").json()
    assert [e["action"] for e in trail] == ["created", "submitted", "approved"]
    assert trail[2]["actor"] == "bob" and trail[2]["content_sha256"] == draft["content_sha256"]


def test_the_author_cannot_approve_their_own_and_gets_403(api) -> None:  # noqa: ANN001
    draft = create(api, who="carol")
    api["carol"].post(f"/api/drafts/{draft['id']}/submit")
    resp = api["carol"].post(f"/api/drafts/{draft['id']}/approve",
                             json={"content_sha256": draft["content_sha256"]})
    assert resp.status_code == 403 and "you wrote draft" in resp.json()["detail"]
    resp = api["alice"].post(f"/api/drafts/{draft['id']}/approve",
                             json={"content_sha256": draft["content_sha256"]})
    assert resp.status_code == 403 and "approver" in resp.json()["detail"]


def test_an_edit_after_reading_makes_the_approval_a_409(api) -> None:  # noqa: ANN001
    draft = create(api)
    url = f"/api/drafts/{draft['id']}"
    api["alice"].post(f"{url}/submit")
    edited = api["alice"].patch(url, json={"text": "Sports day was brilliant!"}).json()
    assert edited["revision"] == 2 and edited["state"] == "submitted"
    resp = api["bob"].post(f"{url}/approve", json={"content_sha256": draft["content_sha256"]})
    assert resp.status_code == 409 and "changed since you opened it" in resp.json()["detail"]
    stale = api["alice"].patch(url, json={"text": "again", "expected_revision": 1})
    assert stale.status_code == 409 and "is at revision 2" in stale.json()["detail"]


def test_flagged_drafts_need_a_reasoned_sign_off(api) -> None:  # noqa: ANN001
    draft = create(api, text="The councillor [review] lied to parents")
    url = f"/api/drafts/{draft['id']}"
    api["alice"].post(f"{url}/submit")
    assert [q["id"] for q in api["helen"].get("/api/queues/flagged").json()] == [draft["id"]]
    short = api["helen"].post(f"{url}/signoff", json={"content_sha256": draft["content_sha256"],
                                                      "reason": "fine"})
    assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
    ok = api["helen"].post(f"{url}/signoff", json={"content_sha256": draft["content_sha256"],
                                                   "reason": "Quoting the public minutes"})
    assert ok.json()["sign_offs"][0]["reason"] == "Quoting the public minutes"
    assert api["helen"].get("/api/queues/flagged").json() == []


def test_block_cannot_be_submitted_and_bad_input_is_explained(api) -> None:  # noqa: ANN001
    draft = create(api, text="Home address [block]")
    resp = api["alice"].post(f"/api/drafts/{draft['id']}/submit")
    assert resp.status_code == 409 and "blocks release" in resp.json()["detail"]
    resp = api["alice"].post("/api/drafts", json={"text": "x", "channels": ["myspace"]})
    assert resp.status_code == 422 and "unknown channel 'myspace'" in resp.json()["detail"]
    resp = api["alice"].post("/api/drafts", json={"text": "x",
                                                  "images": [{"data_base64": "%%%"}]})
    assert resp.status_code == 422 and "images[0].data_base64" in resp.json()["detail"]
    assert api["bob"].get("/api/drafts/999999").status_code == 404


def test_one_author_cannot_read_anothers_draft(api) -> None:  # noqa: ANN001
    draft = create(api, who="carol")
    resp = api["alice"].get(f"/api/drafts/{draft['id']}")
    assert resp.status_code == 403 and "belongs to another author" in resp.json()["detail"]
    assert api["alice"].get(f"/api/drafts/{draft['id']}/audit").status_code == 403
    mine = api["carol"].get("/api/queues/mine").json()
    assert [(q["id"], q["state"]) for q in mine] == [(draft["id"], "draft")]


def test_drop_channel_is_a_new_revision_and_returning_needs_a_reason(api) -> None:  # noqa: ANN001
    draft = create(api, channels=["facebook", "twitter"])
    url = f"/api/drafts/{draft['id']}"
    fixed = api["alice"].post(f"{url}/fix/drop-channel", json={"channel": "twitter"}).json()
    assert fixed["channels"] == ["facebook"] and fixed["revision"] == 2
    assert fixed["system_edit"] == "stopped posting to X (Twitter)"
    api["alice"].post(f"{url}/submit")
    assert api["bob"].post(f"{url}/return", json={"reason": ""}).status_code == 422
    back = api["bob"].post(f"{url}/return", json={"reason": "Please add a photo caption"})
    assert back.json()["state"] == "returned"
    assert back.json()["returns"][0]["reason"] == "Please add a photo caption"


def test_a_register_change_is_rechecked_before_approval(api, sqlite_db) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    first = create(api, text="Well done Amelia", channels=["classdojo"])
    second = create(api, text="Amelia ran the relay", channels=["classdojo"])
    for draft in (first, second):
        api["alice"].post(f"/api/drafts/{draft['id']}/submit")
    with sqlite_db.begin() as conn:  # a new member of staff: nothing these posts mention
        conn.execute(text("INSERT INTO staff_member (title, first_name, last_name) "
                          "VALUES ('Mrs', 'Ada', 'Lovelace')"))
    ok = api["bob"].post(f"/api/drafts/{first['id']}/approve",
                         json={"content_sha256": first["content_sha256"]})
    assert ok.json()["state"] == "approved"  # re-checked on the spot: same report
    with sqlite_db.begin() as conn:  # Amelia's family withdraws name consent
        conn.execute(text("UPDATE learner SET name_consent = 'none', updated_at = :now "
                          "WHERE upn = 'A123456789012'"), {"now": utcnow()})
    url = f"/api/drafts/{second['id']}"
    stale = api["bob"].post(f"{url}/approve", json={"content_sha256": second["content_sha256"]})
    assert stale.status_code == 409 and "now report something different" in \
        stale.json()["detail"]
    fresh = api["bob"].post(f"{url}/recheck").json()
    assert (fresh["revision"], fresh["verdict"], fresh["state"]) == (2, "block", "draft")


def test_learners_upns_reach_only_the_people_who_sign_off_and_keep_the_register(
        api, sqlite_db) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    draft = create(api, text="Well done Amelia Thompson", channels=["classdojo"])
    # The author sees what was found and why, but not the learner's pupil number.
    finding = draft["report"]["findings"][0]
    assert finding["check"] == "learner_name" and finding["learner"] is None
    assert "A123456789012" not in str(draft)
    url = f"/api/drafts/{draft['id']}"
    assert "A123456789012" not in api["alice"].get(url).text
    api["alice"].post(f"{url}/submit")
    assert "A123456789012" not in api["bob"].get(url).text
    # The headteacher, who signs off what is flagged, sees whom the finding is about.
    assert api["helen"].get(url).json()["report"]["findings"][0]["learner"] == "A123456789012"
