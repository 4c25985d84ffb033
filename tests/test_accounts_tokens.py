"""Per-user API tokens: Bearer auth for scripts, stored hashed, revocable, scoped, expiring,
and revoked for good with the credentials they were made under."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from consent_store.models import utcnow
from secondlook.accounts.models import ApiToken, Role, TokenScope
from secondlook.accounts.users import find_user, set_password
from tests.web_support import PASSWORD, add_user, api_token, csrf_from, make_app, signed_in
from web.token_scopes import WRITES, needed_scope


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _works(app, token: str) -> bool:  # noqa: ANN001
    resp = TestClient(app).post("/api/check", json={"text": "x"}, headers=_bearer(token))
    assert resp.status_code in (200, 401), resp.text
    return resp.status_code == 200


def _make_token(client: TestClient, csrf: str, **form) -> str:  # noqa: ANN003
    form = {"csrf_token": csrf, "name": "script", "password": PASSWORD, **form}
    page = client.post("/account/tokens", data=form)
    assert page.status_code == 200, page.text
    return page.text.split('<code class="token">')[1].split("<")[0]


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
    plain = _make_token(client, csrf, name="newsletter")
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


def test_a_new_token_needs_the_password_typed_again(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, user)
    for typed in ("", "not my password"):
        page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "x",
                                                     "password": typed})
        assert page.status_code == 400 and "No token made" in page.text
        assert '<code class="token">' not in page.text
    with Session(sqlite_db) as s:
        assert s.exec(select(ApiToken)).all() == []


def test_a_token_cannot_make_another_token(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    resp = TestClient(app).post("/account/tokens", headers=_bearer(api_token(sqlite_db, user)),
                                data={"name": "minted", "password": PASSWORD})
    assert resp.status_code == 403 and "browser" in resp.text
    with Session(sqlite_db) as s:
        assert [t.name for t in s.exec(select(ApiToken))] == ["test"]


def test_scopes_limit_what_a_token_may_do(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "carol", Role.AUTHOR, Role.APPROVER)
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, user)
    read, draft = _make_token(client, csrf), _make_token(client, csrf, scopes=["draft"])
    api = TestClient(app)
    refused = api.post("/api/check", json={"text": "Lovely day"}, headers=_bearer(read))
    assert refused.status_code == 403 and "needs draft" in refused.json()["detail"]
    made = api.post("/api/drafts", json={"text": "Lovely day"}, headers=_bearer(draft))
    assert made.status_code == 201
    url = f"/api/drafts/{made.json()['id']}"
    assert api.get(url, headers=_bearer(read)).status_code == 200
    approve = api.post(f"{url}/approve", headers=_bearer(draft),
                       json={"content_sha256": made.json()["content_sha256"]})
    assert approve.status_code == 403 and "needs approve" in approve.json()["detail"]
    with Session(sqlite_db) as s:
        rows = {t.scopes for t in s.exec(select(ApiToken))}
    assert rows == {"read", "read;draft"}


def test_a_token_cannot_post_page_forms_whatever_its_scopes(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "dee", Role.ADMIN)
    app = make_app(sqlite_db, blank_nlp)
    resp = TestClient(app).post("/admin/users", headers=_bearer(api_token(sqlite_db, admin)),
                                data={"username": "sneaky", "display_name": "Sneaky",
                                      "password": PASSWORD, "roles": ["admin"]})
    assert resp.status_code == 403
    with Session(sqlite_db) as s:
        assert find_user(session=s, username="sneaky") is None


def test_every_write_a_token_may_make_is_an_api_route(sqlite_db, blank_nlp) -> None:
    from tests.test_authorisation_table import registered_routes

    routes = set(registered_routes(make_app(sqlite_db, blank_nlp)))
    assert set(WRITES) <= routes, set(WRITES) - routes
    assert all(path.startswith("/api/") for _, path in WRITES)
    for method, path in routes - set(WRITES):
        assert needed_scope(method, path) in (None, TokenScope.READ), (method, path)


def test_tokens_expire(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp, api_token_days=30)
    assert not _works(app, api_token(sqlite_db, user, lifetime=timedelta(seconds=-1)))
    client, csrf = signed_in(app, sqlite_db, user)
    made = _make_token(client, csrf, scopes=["draft"])
    assert _works(app, made)
    with Session(sqlite_db) as s:
        row = s.exec(select(ApiToken)).all()[-1]
    assert abs(row.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)


def test_changing_my_password_revokes_my_tokens(sqlite_db, blank_nlp) -> None:
    user = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, user)
    client, csrf = signed_in(app, sqlite_db, user)
    new = "a completely different phrase"
    resp = client.post("/account/password", data={"csrf_token": csrf, "current": PASSWORD,
                                                  "new": new, "new_again": new},
                       follow_redirects=False)
    assert resp.status_code == 303
    assert not _works(app, token)


@pytest.mark.parametrize("change", ["reset", "deactivate"])
def test_an_admin_reset_or_deactivation_revokes_tokens_for_good(
        sqlite_db, blank_nlp, change: str) -> None:
    admin = add_user(sqlite_db, "dee", Role.ADMIN)
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, amy)
    assert _works(app, token)
    client, csrf = signed_in(app, sqlite_db, admin)
    form = {"csrf_token": csrf, "roles": ["author"], "active": "true"}
    if change == "reset":
        form["new_password"] = "a completely different phrase"
    else:
        del form["active"]
    assert client.post(f"/admin/users/{amy.id}", data=form,
                       follow_redirects=False).status_code == 303
    if change == "deactivate":  # and back: the token stays dead
        form["active"] = "true"
        assert client.post(f"/admin/users/{amy.id}", data=form,
                       follow_redirects=False).status_code == 303
    assert not _works(app, token)


def test_a_console_password_reset_revokes_tokens(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, amy)
    with Session(sqlite_db) as s:  # what `secondlook user password` calls
        set_password(session=s, user=find_user(session=s, username="amy"),
                     password="a completely different phrase")
        s.commit()
    assert not _works(app, token)
