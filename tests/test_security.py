"""CSRF on every state-changing request, and the security headers on every response."""

from __future__ import annotations

from fastapi.testclient import TestClient

from secondlook.accounts.models import Role
from tests.web_support import add_user, api_token, csrf_from, login, make_app, signed_in


def test_headers_on_pages_api_static_and_errors(sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp))
    for path in ("/login", "/static/style.css", "/api/check", "/no-such-page"):
        h = client.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        assert "script-src 'self'" in h["content-security-policy"], path
        assert h["x-content-type-options"] == "nosniff", path
        assert h["x-frame-options"] == "DENY", path
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_htmx_is_served_locally_and_no_page_loads_anything_from_elsewhere(
        sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp))
    page = client.get("/login").text
    assert '<script src="/static/vendor/htmx.min.js"' in page
    assert "http://" not in page and "https://" not in page
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_form_post_without_csrf_token_is_refused_with_a_clear_message(
        sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    form = {"username": "amy", "display_name": "Amy", "password": "a long enough password"}
    resp = client.post("/admin/users", data=form)
    assert resp.status_code == 403
    assert "out of date or did not come from Second Look" in resp.text
    assert "amy" not in client.get("/admin/users").text


def test_wrong_or_other_sessions_token_is_refused(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    app = make_app(sqlite_db, blank_nlp)
    client, _ = signed_in(app, sqlite_db, admin)
    _, other_token = signed_in(app, sqlite_db, admin)
    form = {"username": "amy", "display_name": "Amy", "password": "a long enough password"}
    assert client.post("/admin/users", data={**form, "csrf_token": "x"}).status_code == 403
    assert client.post("/admin/users", data={**form, "csrf_token": other_token}).status_code == 403


def test_token_in_field_or_header_is_accepted(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    form = {"username": "amy", "display_name": "Amy", "password": "a long enough password"}
    assert client.post("/admin/users", data={**form, "csrf_token": csrf}).status_code == 200
    form["username"] = "bob"
    assert client.post("/admin/users", data=form, headers={"X-CSRF-Token": csrf}).status_code == 200
    listing = client.get("/admin/users").text
    assert "amy" in listing and "bob" in listing


def test_json_api_with_a_session_cookie_needs_the_header(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, amy)
    assert client.post("/api/check", json={"text": "x"}).status_code == 403
    ok = client.post("/api/check", json={"text": "x"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200


def test_login_form_itself_is_protected(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    forged = client.post("/login", data={"username": "amy", "password": "a long enough password"})
    assert forged.status_code == 403
    assert login(client, "amy").status_code == 303


def test_bearer_requests_are_not_subject_to_csrf(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    resp = client.post("/api/check", json={"text": "x"},
                       headers={"Authorization": f"Bearer {api_token(sqlite_db, amy)}"})
    assert resp.status_code == 200


def test_cookies_are_secure_over_https(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "amy", Role.AUTHOR)
    client = TestClient(make_app(sqlite_db, blank_nlp), base_url="https://school.example")
    first = client.get("/login")
    assert "Secure" in first.headers["set-cookie"] and "HttpOnly" in first.headers["set-cookie"]
    assert first.headers["strict-transport-security"].startswith("max-age=")
    resp = client.post("/login", data={"csrf_token": csrf_from(first.text), "username": "amy",
                                       "password": "a long enough password"},
                       follow_redirects=False)
    assert "Secure" in resp.headers["set-cookie"] and "HttpOnly" in resp.headers["set-cookie"]


def test_anonymous_page_goes_to_login_and_api_says_401(sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp))
    page = client.get("/admin/users", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fadmin%2Fusers"
    api = client.post("/api/check", json={"text": "x"})
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    htmx = client.post("/admin/users", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login?next=%2F"
