"""POST /api/check returns the same report as the CLI."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from moderation.pipeline import Engine
from secondlook.config import Settings
from tests.conftest import EXAMPLES


def client(db, blank_nlp) -> TestClient:  # noqa: ANN001
    from web.app import create_app

    app = create_app(Settings(), db=db)
    app.state.moderation = Engine(nlp=blank_nlp)
    return TestClient(app)


def test_api_check_reports_a_learner_name(sqlite_db, blank_nlp) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    resp = client(sqlite_db, blank_nlp).post(
        "/api/check", json={"text": "Well done Amelia Thompson", "channels": ["facebook"]})
    assert resp.status_code == 200
    body = resp.json()
    assert body["verdict"] == "block"
    assert body["findings"][0]["learner"] == "A123456789012"


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
    assert "/api/check" in c.get("/openapi.json").json()["paths"]
