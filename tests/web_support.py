"""Helpers for web tests: an app on a test database, staff accounts, signing in."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from secondlook.accounts.models import Role, TokenScope, User, UserCreate
from secondlook.accounts.sessions import create_session
from secondlook.accounts.tokens import create_token
from secondlook.accounts.users import create_user
from secondlook.config import Settings

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(db: DbEngine, nlp, **settings) -> FastAPI:  # noqa: ANN001, ANN003
    from web.app import create_app

    # Jobs run at once in the request unless a test asks for the server's runner.
    app = create_app(Settings(**{"jobs_run": "inline", **settings}), db=db)
    app.state.moderation.nlp = nlp  # the settings' options stay: only the model is swapped
    return app


def add_user(db: DbEngine, username: str, *roles: Role, name: str | None = None,
             email: str | None = None) -> User:
    with Session(db, expire_on_commit=False) as s:
        user = create_user(session=s, data=UserCreate(
            username=username, display_name=name or username.title(), roles=frozenset(roles),
            password=PASSWORD, email=email))
        s.commit()
        return user


def session_cookie(db: DbEngine, user: User) -> str:
    """A signed-in session without going through the (deliberately slow) password hash."""
    with Session(db) as s:
        token = create_session(session=s, user=user)
        s.commit()
        return token


def api_token(db: DbEngine, user: User, scopes=tuple(TokenScope),  # noqa: ANN001, B008
              lifetime: timedelta = timedelta(days=1)) -> str:
    with Session(db) as s:
        _, plain = create_token(session=s, user=user, name="test", scopes=scopes,
                                lifetime=lifetime)
        s.commit()
        return plain


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def signed_in(app: FastAPI, db: DbEngine, user: User, **kw) -> tuple[TestClient, str]:  # noqa: ANN003
    """A client with a session cookie, and that session's CSRF token."""
    client = TestClient(app, **kw)
    client.cookies.set("sl_session", session_cookie(db, user))
    return client, csrf_from(client.get("/account").text)


def login(client: TestClient, username: str, password: str = PASSWORD):  # noqa: ANN201
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_from(page.text), "username": username,
                                       "password": password}, follow_redirects=False)


PREVIEWED = re.compile(r'action="/admin/register/import/(\d+)/confirm"')
PREVIEW_CHANGES = re.compile(r'name="changes" value="([0-9a-f]{64})"')


def confirm_previewed(client: TestClient, csrf: str, preview_html: str):  # noqa: ANN201
    """Press *Confirm the import* on a register preview page."""
    preview_id, changes = PREVIEWED.search(preview_html), PREVIEW_CHANGES.search(preview_html)
    assert preview_id and changes, "the page is not a register import preview"
    return client.post(f"/admin/register/import/{preview_id.group(1)}/confirm",
                       data={"csrf_token": csrf, "changes": changes.group(1)})


def import_on_the_web(client: TestClient, csrf: str, content: bytes,  # noqa: ANN201
                      name: str = "register.csv", **form: str):
    """Upload a register file, then confirm its preview (or the refusal, as answered)."""
    resp = client.post("/admin/register/import", data={"csrf_token": csrf, **form},
                       files={"file": (name, content, "text/csv")})
    if resp.status_code != 200:
        return resp
    return confirm_previewed(client, csrf, resp.text)
