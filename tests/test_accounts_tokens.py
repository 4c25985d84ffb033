"""Per-user API tokens: Bearer auth for scripts, stored hashed, revocable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from secondlook.accounts.models import ApiToken, Role
from tests.web_support import add_user, api_token, csrf_from, make_app, signed_in


def test_bearer_token_calls_the_api_without_a_csrf_token(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    token = api_token(sqlite_db, user)
    resp = client.post("/api/check", json={"text": "Lovely day"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json()["verdict"] == "pass"


def test_unknown_or_malformed_token_is_refused(sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp))
    for header in ("Bearer sl_madeup", "Bearer ", "Basic abc", "Bearer nonsense"):
        resp = client.post("/api/check", json={"text": "x"}, headers={"Authorization": header})
        assert resp.status_code == 401, header
        assert "sign in first" in resp.json()["detail"]


def test_token_is_stored_hashed_and_shown_once(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, user)
    page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "newsletter"})
    plain = page.text.split('<code class="token">')[1].split("<")[0]
    assert plain.startswith("sl_")
    with Session(sqlite_db) as s:
        row = s.exec(select(ApiToken)).one()
    assert row.name == "newsletter" and plain not in row.token_hash
    assert plain not in client.get("/account").text  # listed by prefix only
    assert row.prefix in client.get("/account").text


def test_revoked_token_stops_working(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, user)
    client, csrf = signed_in(app, sqlite_db, user)
    with Session(sqlite_db) as s:
        token_id = s.exec(select(ApiToken)).one().id
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    resp = TestClient(app).post("/api/check", json={"text": "x"},
                                headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_someone_else_cannot_revoke_my_token(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    bob = add_user(sqlite_db, "bob", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, amy)
    with Session(sqlite_db) as s:
        token_id = s.exec(select(ApiToken)).one().id
    client, _ = signed_in(app, sqlite_db, bob)
    client.post(f"/account/tokens/{token_id}/revoke",
                data={"csrf_token": csrf_from(client.get("/account").text)})
    assert TestClient(app).post("/api/check", json={"text": "x"},
                                headers={"Authorization": f"Bearer {token}"}).status_code == 200
