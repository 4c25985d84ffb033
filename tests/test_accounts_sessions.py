"""Server-side sessions: hashed at rest, idle and absolute timeouts, sign-out ends them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from secondlook.accounts.models import Role, WebSession
from tests.web_support import PASSWORD, add_user, csrf_from, login, make_app


def _age_session(db, *, idle: timedelta = timedelta(0), age: timedelta = timedelta(0)) -> None:  # noqa: ANN001
    with Session(db) as s:
        row = s.exec(select(WebSession)).one()
        row.last_seen_at -= idle
        row.created_at -= age
        s.add(row)
        s.commit()


def _signed_in_client(db, nlp, **settings) -> TestClient:  # noqa: ANN001, ANN003
    add_user(db, "amy", Role.AUTHOR, name="Amy Author")
    client = TestClient(make_app(db, nlp, **settings))
    assert login(client, "amy", PASSWORD).status_code == 303
    return client


def test_sign_in_then_pages_greet_the_user(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp)
    assert "Hello, Amy Author" in client.get("/").text


def test_cookie_is_http_only_and_only_its_hash_is_stored(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    resp = login(client, "amy")
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = client.cookies["sl_session"]
    with Session(sqlite_db) as s:
        row = s.exec(select(WebSession)).one()
    assert row.token_hash != token and len(row.token_hash) == 64


def test_idle_session_expires(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp, session_idle_minutes=30)
    _age_session(sqlite_db, idle=timedelta(minutes=31))
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login?next=%2F"


def test_busy_session_still_ends_at_the_absolute_limit(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp, session_absolute_hours=8)
    _age_session(sqlite_db, age=timedelta(hours=8, minutes=1))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_active_session_survives_within_limits(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp, session_idle_minutes=30)
    _age_session(sqlite_db, idle=timedelta(minutes=29), age=timedelta(hours=2))
    assert client.get("/", follow_redirects=False).status_code == 200


def test_sign_out_ends_the_session_on_the_server(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp)
    token = client.cookies["sl_session"]
    resp = client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    replay = TestClient(client.app, cookies={"sl_session": token})
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_deactivated_user_is_signed_out(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp)
    from secondlook.accounts.models import User

    with Session(sqlite_db) as s:
        user = s.exec(select(User).where(User.username == "amy")).one()
        user.active = False
        s.commit()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_changing_password_signs_out_other_browsers(sqlite_db, blank_nlp) -> None:
    client = _signed_in_client(sqlite_db, blank_nlp)
    other = TestClient(client.app)
    login(other, "amy")
    new = "an even longer new password"
    resp = client.post("/account/password", data={
        "csrf_token": csrf_from(client.get("/account").text), "current": PASSWORD,
        "new": new, "new_again": new}, follow_redirects=False)
    assert resp.status_code == 303
    assert "Password changed" in client.get("/account?changed=1").text
    assert other.get("/", follow_redirects=False).status_code == 303
    assert login(TestClient(client.app), "amy", new).status_code == 303


def test_login_redirects_only_within_the_site(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    page = client.get("/login?next=//evil.example/x")
    resp = client.post("/login", data={"csrf_token": csrf_from(page.text), "username": "amy",
                                       "password": PASSWORD, "next": "//evil.example/x"},
                       follow_redirects=False)
    assert resp.headers["location"] == "/"
