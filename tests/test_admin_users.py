"""Admins manage staff accounts and roles; nobody else can, and the last admin stays."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from secondlook.accounts.models import Role
from secondlook.accounts.users import find_user
from tests.web_support import PASSWORD, add_user, login, make_app, signed_in


def _role_form(csrf: str, *roles: str, active: bool = True) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {"csrf_token": csrf, "roles": list(roles)}
    return {**form, "active": "true"} if active else form


def test_admin_adds_a_colleague_who_can_then_sign_in(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, admin)
    resp = client.post("/admin/users", data={
        "csrf_token": csrf, "username": "j.smith", "display_name": "Jo Smith",
        "password": PASSWORD, "roles": ["author", "approver"]})
    assert resp.status_code == 200 and "Jo Smith" in resp.text
    with Session(sqlite_db) as s:
        assert find_user(session=s, username="j.smith").role_set() == {Role.AUTHOR, Role.APPROVER}
    assert login(TestClient(app), "j.smith").status_code == 303


def test_bad_new_account_is_explained_and_the_form_kept(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    resp = client.post("/admin/users", data={
        "csrf_token": csrf, "username": "jo", "display_name": "Jo Smith", "password": "short"})
    assert resp.status_code == 400
    assert "Not created: the password must be at least 10 characters long" in resp.text
    assert 'value="Jo Smith"' in resp.text


def test_roles_change_and_deactivation_signs_out(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, admin)
    amy_client, _ = signed_in(app, sqlite_db, amy)
    client.post(f"/admin/users/{amy.id}", data=_role_form(csrf, "author", "approver"))
    with Session(sqlite_db) as s:
        assert find_user(session=s, username="amy").has_role(Role.APPROVER)
    client.post(f"/admin/users/{amy.id}", data=_role_form(csrf, "author", active=False))
    assert amy_client.get("/", follow_redirects=False).status_code == 303
    assert login(TestClient(app), "amy").status_code == 400


def test_the_last_admin_cannot_remove_their_own_admin_role(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN, name="Mrs Head")
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    resp = client.post(f"/admin/users/{admin.id}", data=_role_form(csrf, "headteacher"))
    assert resp.status_code == 400
    assert "Mrs Head is the only active admin; make someone else admin first" in resp.text
    with Session(sqlite_db) as s:
        assert find_user(session=s, username="head").has_role(Role.ADMIN)


def test_non_admins_get_no_staff_page_and_no_menu_entry(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR, Role.APPROVER, Role.HEADTEACHER)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, amy)
    assert 'href="/admin/users"' not in client.get("/").text
    assert client.get("/admin/users").status_code == 403
    resp = client.post("/admin/users", data={"csrf_token": csrf, "username": "x",
                                             "display_name": "X", "password": PASSWORD})
    assert resp.status_code == 403 and "this needs the admin role" in resp.text


def test_unknown_user_id_is_a_clear_404(sqlite_db, blank_nlp) -> None:
    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    resp = client.post("/admin/users/999", data=_role_form(csrf, "author"))
    assert resp.status_code == 404 and "there is no user with id 999" in resp.text
