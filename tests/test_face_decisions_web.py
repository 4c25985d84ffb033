"""Face decisions over the web: the history page and the API show a learner's UPN (from
"this is learner X") only to those who see UPNs in reports (admin, headteacher, DSL)."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, api_token, make_app, signed_in

ZOE = "C345678901234"  # photo consent for Facebook and Class Dojo, not enrolled
# Nobody is enrolled: the face is unknown until a person says who it is
PHOTO64 = base64.b64encode(painted((320, 200), [(7, 40, 20, 60)])).decode()


@pytest.fixture
def school(sqlite_db, blank_nlp):  # noqa: ANN001, ANN201
    """Each person with a signed-in page client (and CSRF token) and an API client."""
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation.services["face-backend"] = FakeBackend()
    roles = {"amy": Role.AUTHOR, "bob": Role.APPROVER, "head": Role.HEADTEACHER,
             "dora": Role.DSL}
    people = {}
    for name, role in roles.items():
        user = add_user(sqlite_db, name, role, name=name.title())
        page, csrf = signed_in(app, sqlite_db, user)
        api = TestClient(app, headers={"Authorization":
                                       f"Bearer {api_token(sqlite_db, user)}"})
        people[name] = (page, csrf, api)
    return people


def _identified(school) -> int:  # noqa: ANN001
    """Amy's post, whose face the headteacher says (on the page) is Zoë; then Amy submits."""
    api = school["amy"][2]
    draft = api.post("/api/drafts", json={"text": "Sports day", "channels": ["facebook"],
                                          "images": [{"data_base64": PHOTO64, "alt": "A race"}]})
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    head, csrf, _ = school["head"]
    resp = head.post(f"/drafts/{draft_id}/faces/identify", follow_redirects=False,
                     data={"csrf_token": csrf, "image": 0, "face": 0, "revision": 1,
                           "upn": ZOE})
    assert resp.status_code == 303, resp.text
    submitted = api.post(f"/api/drafts/{draft_id}/submit")
    assert submitted.status_code == 200, submitted.text
    return draft_id


def test_the_history_page_shows_the_upn_only_to_those_who_see_upns(school) -> None:  # noqa: ANN001
    draft_id = _identified(school)
    for who in ("amy", "bob"):
        history = school[who][0].get(f"/drafts/{draft_id}/audit")
        assert history.status_code == 200
        assert "Said which learner a face is" in history.text  # the step itself is shown
        assert ZOE not in history.text
        assert school[who][2].get(f"/api/drafts/{draft_id}")\
            .json()["report"]["images"][0]["faces"][0]["learner"] is None
    for who in ("head", "dora"):
        history = school[who][0].get(f"/drafts/{draft_id}/audit").text
        assert f"Learner (UPN): {ZOE}" in history


def test_the_api_audit_trail_hides_the_upn_as_the_report_does(school) -> None:  # noqa: ANN001
    draft_id = _identified(school)

    def identified(who: str) -> dict:
        trail = school[who][2].get(f"/api/drafts/{draft_id}/audit").json()
        return next(e for e in trail if e["action"] == "face identified")["detail"]

    assert identified("amy")["upn"] is None and identified("bob")["upn"] is None
    assert identified("amy")["face"] == 1  # the rest of the entry is still there
    assert identified("head")["upn"] == ZOE and identified("dora")["upn"] == ZOE
