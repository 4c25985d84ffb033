"""Face decisions over the web: the history page and the API show a learner's UPN (from
"this is learner X") only to those who see UPNs in reports (admin, headteacher, DSL); the
JSON API takes the same four decisions as the page's buttons, with the same rules."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role, TokenScope
from tests.conftest import EXAMPLES
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, api_token, make_app, signed_in

ZOE = "C345678901234"  # photo consent for Facebook and Class Dojo, not enrolled
# Nobody is enrolled: the face is unknown until a person says who it is
PHOTO64 = base64.b64encode(painted((320, 200), [(7, 40, 20, 60)])).decode()
TWO64 = base64.b64encode(painted((320, 200), [(7, 40, 20, 60), (5, 40, 200, 60)])).decode()


@pytest.fixture
def school(sqlite_db, blank_nlp):  # noqa: ANN001, ANN201
    """Each person with a signed-in page client (and CSRF token) and an API client."""
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    app = make_app(sqlite_db, blank_nlp)
    app.state.moderation.services["face-backend"] = FakeBackend()
    roles = {"amy": Role.AUTHOR, "bob": Role.APPROVER, "head": Role.HEADTEACHER,
             "dora": Role.DSL}
    people: dict = {}
    users = people["users"] = {}
    for name, role in roles.items():
        user = add_user(sqlite_db, name, role, name=name.title())
        page, csrf = signed_in(app, sqlite_db, user)
        api = TestClient(app, headers={"Authorization":
                                       f"Bearer {api_token(sqlite_db, user)}"})
        people[name] = (page, csrf, api)
        users[name] = user
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


def _post(school, who: str, draft_id: int, decision: str, **body):  # noqa: ANN001, ANN003, ANN201
    return school[who][2].post(f"/api/drafts/{draft_id}/faces/{decision}",
                               json={"photo": 1, "face": 1, **body})


def _created(school, photo: str = PHOTO64) -> dict:  # noqa: ANN001
    draft = school["amy"][2].post("/api/drafts", json={
        "text": "Sports day", "channels": ["facebook"],
        "images": [{"data_base64": photo, "alt": "A race"}]})
    assert draft.status_code == 201, draft.text
    return draft.json()


def _trail(school, draft_id: int) -> list[str]:  # noqa: ANN001
    return [e["action"] for e in
            school["amy"][2].get(f"/api/drafts/{draft_id}/audit").json()]


def test_blur_this_face_and_undo_over_the_api(school) -> None:  # noqa: ANN001
    draft = _created(school, TWO64)
    blurred = _post(school, "amy", draft["id"], "blur", face=2, expected_revision=1)
    assert blurred.status_code == 200, blurred.text
    out = blurred.json()
    assert out["revision"] == 2 and out["images"][0]["sha256"] != draft["images"][0]["sha256"]
    assert [f["decision"] for f in out["report"]["images"][0]["faces"]] == [None, "blurred"]
    stale = _post(school, "amy", draft["id"], "undo", face=2, expected_revision=1)
    assert stale.status_code == 409 and "at revision 2" in stale.json()["detail"]
    undone = _post(school, "amy", draft["id"], "undo", face=2).json()
    assert undone["revision"] == 3
    assert undone["images"][0]["sha256"] == draft["images"][0]["sha256"]
    assert _trail(school, draft["id"])[-2:] == ["face blurred", "face blur undone"]
    missing = _post(school, "amy", draft["id"], "blur", face=3)
    assert missing.status_code == 422 and "has no face 3" in missing.json()["detail"]


def test_not_a_learner_over_the_api_is_a_note_with_who_said_it(school) -> None:  # noqa: ANN001
    draft = _created(school)
    assert draft["verdict"] == "review"  # a face nobody has identified
    said = _post(school, "amy", draft["id"], "not-learner")
    assert said.status_code == 200, said.text
    note = next(f for f in said.json()["report"]["findings"] if f["check"] == "face")
    assert note["rule"] == "faces.not-a-learner" and "Amy says" in note["message"]
    assert said.json()["verdict"] == "pass"
    assert _trail(school, draft["id"])[-1] == "face not a learner"


def test_only_an_admin_headteacher_or_dsl_identifies_a_face_over_the_api(school) -> None:  # noqa: ANN001
    draft = _created(school)
    refused = _post(school, "amy", draft["id"], "identify", upn=ZOE)
    assert refused.status_code == 403 and _trail(school, draft["id"]) == ["created"]
    unknown = _post(school, "head", draft["id"], "identify", upn="X000")
    assert unknown.status_code == 422 and "no learner with UPN" in unknown.json()["detail"]
    named = _post(school, "dora", draft["id"], "identify", upn=ZOE)
    assert named.status_code == 200, named.text
    face = named.json()["report"]["images"][0]["faces"][0]
    assert (face["learner"], face["decision"], named.json()["verdict"]) == (
        ZOE, "identified", "pass")
    assert _trail(school, draft["id"])[-1] == "face identified"
    # and the decision is taken back, over the API too
    undone = _post(school, "dora", draft["id"], "undo").json()
    assert undone["verdict"] == "review" and _trail(school, draft["id"])[-1] == \
        "face decision undone"


def test_face_decisions_are_in_the_api_docs_and_need_a_token_scope(school, sqlite_db) -> None:  # noqa: ANN001
    paths = school["amy"][2].get("/api/openapi.json").json()["paths"]
    for decision in ("blur", "undo", "not-learner", "identify"):
        assert f"/api/drafts/{{draft_id}}/faces/{decision}" in paths
    draft = _created(school)
    token = api_token(sqlite_db, school["users"]["amy"], scopes=(TokenScope.READ,))
    reader = TestClient(school["amy"][0].app, headers={"Authorization": f"Bearer {token}"})
    refused = reader.post(f"/api/drafts/{draft['id']}/faces/blur", json={"photo": 1, "face": 1})
    assert refused.status_code == 403 and "needs draft" in refused.json()["detail"]
