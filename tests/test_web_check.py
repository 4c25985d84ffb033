"""POST /api/check returns the same report as the CLI."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlmodel import Session

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role
from secondlook.accounts.users import find_user
from tests.conftest import EXAMPLES
from tests.web_support import add_user, api_token, make_app


def client(db, blank_nlp, role: Role = Role.ADMIN) -> TestClient:  # noqa: ANN001
    """A script calling the API with a staff member's token (the report names learners)."""
    username = f"script-{role.value}"
    with Session(db) as s:
        user = find_user(session=s, username=username)
    token = api_token(db, user or add_user(db, username, role))
    return TestClient(make_app(db, blank_nlp), headers={"Authorization": f"Bearer {token}"})


def test_api_check_needs_a_signed_in_user_or_token(sqlite_db, blank_nlp) -> None:
    anonymous = TestClient(make_app(sqlite_db, blank_nlp))
    resp = anonymous.post("/api/check", json={"text": "Well done Amelia Thompson"})
    assert resp.status_code == 401 and "Amelia" not in resp.text


def test_api_check_reports_a_learner_name(sqlite_db, blank_nlp) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    resp = client(sqlite_db, blank_nlp).post(
        "/api/check", json={"text": "Well done Amelia Thompson", "channels": ["facebook"]})
    assert resp.status_code == 200
    body = resp.json()
    assert body["verdict"] == "block"
    assert body["findings"][0]["learner"] == "A123456789012"


def test_an_authors_report_names_learners_without_their_upns(sqlite_db, blank_nlp) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    resp = client(sqlite_db, blank_nlp, Role.AUTHOR).post(
        "/api/check", json={"text": "Well done Amelia Thompson", "channels": ["facebook"]})
    assert resp.status_code == 200 and resp.json()["verdict"] == "block"
    assert resp.json()["findings"][0]["learner"] is None and "Amelia" in resp.text
    assert "A123456789012" not in resp.text


def test_only_authors_and_admins_may_look_up_the_register(sqlite_db, blank_nlp) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    for role in (Role.APPROVER, Role.HEADTEACHER, Role.DSL):
        resp = client(sqlite_db, blank_nlp, role).post(
            "/api/check", json={"text": "Well done Amelia Thompson"})
        assert resp.status_code == 403 and "Amelia" not in resp.text, role


def test_api_check_rejects_an_unknown_channel_clearly(sqlite_db, blank_nlp) -> None:
    resp = client(sqlite_db, blank_nlp).post(
        "/api/check", json={"text": "x", "channels": ["myspace"]})
    assert resp.status_code == 422 and "unknown channel 'myspace'" in resp.json()["detail"]


def test_api_check_rejects_bad_base64(sqlite_db, blank_nlp) -> None:
    resp = client(sqlite_db, blank_nlp).post(
        "/api/check", json={"text": "x", "images": [{"data_base64": "%%%"}]})
    assert resp.status_code == 422 and "images[0]" in resp.json()["detail"]
    ok = base64.b64encode(b"not really an image").decode()
    assert client(sqlite_db, blank_nlp).post(
        "/api/check", json={"text": "x", "images": [{"data_base64": ok}]}).status_code == 200


def test_start_page_and_openapi(sqlite_db, blank_nlp) -> None:
    c = client(sqlite_db, blank_nlp)
    assert "Second Look" in c.get("/").text
    assert "/api/check" in c.get("/api/openapi.json").json()["paths"]
    assert TestClient(c.app).get("/api/openapi.json").status_code == 401
