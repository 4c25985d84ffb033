"""First start: a one-time console link creates the first admin; no default password exists."""

from __future__ import annotations

import argparse
import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from secondlook.accounts.models import Role
from secondlook.accounts.users import find_user
from secondlook.commands.serve import _announce_setup_link
from tests.web_support import add_user, csrf_from, login, make_app

ARGS = argparse.Namespace(host="127.0.0.1", port=8123)


def _printed_link(app, capsys) -> str:  # noqa: ANN001
    _announce_setup_link(app.state.db, ARGS)
    out = capsys.readouterr().out
    match = re.search(r"http://127\.0\.0\.1:8123(/setup/\S+)", out)
    assert match, out
    return match.group(1)


def _create_admin(client: TestClient, link: str, username: str = "head"):  # noqa: ANN202
    page = client.get(link)
    return client.post(link, data={
        "csrf_token": csrf_from(page.text), "username": username, "display_name": "Mrs Head",
        "password": "a long enough password", "password_again": "a long enough password",
    }, follow_redirects=False)


def test_empty_database_prints_a_link_that_creates_the_first_admin(
        sqlite_db, blank_nlp, capsys) -> None:
    app = make_app(sqlite_db, blank_nlp)
    client = TestClient(app)
    link = _printed_link(app, capsys)
    resp = _create_admin(client, link)
    assert resp.status_code == 303 and resp.headers["location"] == "/admin/users"
    assert "Mrs Head" in client.get("/admin/users").text  # signed in, as admin
    with Session(sqlite_db) as s:
        assert find_user(session=s, username="head").has_role(Role.ADMIN)


def test_the_link_works_once(sqlite_db, blank_nlp, capsys) -> None:
    app = make_app(sqlite_db, blank_nlp)
    link = _printed_link(app, capsys)
    assert _create_admin(TestClient(app), link).status_code == 303
    again = TestClient(app)
    assert again.get(link).status_code == 404
    assert "has been used or has expired" in again.get(link).text


def test_a_guessed_link_is_refused(sqlite_db, blank_nlp, capsys) -> None:
    app = make_app(sqlite_db, blank_nlp)
    _printed_link(app, capsys)
    assert TestClient(app).get("/setup/guessed-token").status_code == 404


def test_no_link_once_accounts_exist(sqlite_db, blank_nlp, capsys) -> None:
    add_user(sqlite_db, "head", Role.ADMIN)
    app = make_app(sqlite_db, blank_nlp)
    _announce_setup_link(app.state.db, ARGS)
    assert "/setup/" not in capsys.readouterr().out


def test_no_default_password_on_a_fresh_database(sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp))
    for username, password in [("admin", "admin"), ("admin", "password"), ("root", "root")]:
        assert login(client, username, password).status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 303


def test_setup_form_explains_a_weak_password(sqlite_db, blank_nlp, capsys) -> None:
    app = make_app(sqlite_db, blank_nlp)
    client = TestClient(app)
    link = _printed_link(app, capsys)
    page = client.get(link)
    resp = client.post(link, data={"csrf_token": csrf_from(page.text), "username": "head",
                                   "display_name": "Mrs Head", "password": "short",
                                   "password_again": "short"})
    assert resp.status_code == 400 and "at least 10 characters" in resp.text
    assert _create_admin(client, link).status_code == 303  # still usable after a mistake


def test_a_link_printed_by_one_server_works_on_another(sqlite_db, blank_nlp, capsys) -> None:
    printed_by = make_app(sqlite_db, blank_nlp)
    link = _printed_link(printed_by, capsys)
    other = TestClient(make_app(sqlite_db, blank_nlp))  # another process, same database
    assert _create_admin(other, link).status_code == 303
    assert TestClient(printed_by).get(link).status_code == 404  # used up everywhere


def test_a_newer_link_replaces_the_older_one(sqlite_db, blank_nlp, capsys) -> None:
    app = make_app(sqlite_db, blank_nlp)
    first, second = _printed_link(app, capsys), _printed_link(app, capsys)
    client = TestClient(app)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_an_old_link_expires(sqlite_db, blank_nlp, capsys) -> None:
    from datetime import timedelta

    from consent_store.models import utcnow
    from secondlook.accounts.models import SetupLink
    from secondlook.accounts.setup import LINK_HOURS

    app = make_app(sqlite_db, blank_nlp)
    link = _printed_link(app, capsys)
    with Session(sqlite_db) as s:
        row = s.get(SetupLink, 1)
        row.issued_at = utcnow() - timedelta(hours=LINK_HOURS, minutes=1)
        s.add(row)
        s.commit()
    assert TestClient(app).get(link).status_code == 404
