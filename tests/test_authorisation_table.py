"""Every route × every role (and anonymous) gets the answer this table says.

A route added without a line here fails the build: decide who may use it, then add it.
PUBLIC: anyone, signed in or not. SIGNED_IN: any staff account, whatever its roles.
A set of roles: a user holding at least one of them; everyone else signed in gets 403.
Signed out: pages redirect to the login page, /api/ answers 401.
MACHINE: no account may read it, only the server itself (a loopback connection no proxy
relayed) or a holder of the metrics token; the test client is neither, so 403 for all.
Object-level rules (never approve your own draft) are tested with the workflow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import spacy
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import Mount

from consent_store.db import make_engine
from secondlook.accounts.models import Role, User, WebSession
from secondlook.accounts.sessions import create_session, token_hash
from tests.conftest import migrated_url
from tests.web_support import add_user, csrf_from, make_app

PUBLIC = "public"
SIGNED_IN = "signed in"
MACHINE = "the server itself, or the metrics token"
A = Role.AUTHOR
AP = Role.APPROVER
H = Role.HEADTEACHER
D = Role.DSL
AD = Role.ADMIN
STAFF = frozenset(Role)
EDITORS = frozenset({A, AP, H, D})

RULES: dict[tuple[str, str], str | frozenset[Role]] = {
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): MACHINE,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/setup/{token}"): PUBLIC,
    ("POST", "/setup/{token}"): PUBLIC,
    ("GET", "/"): SIGNED_IN,
    ("POST", "/school"): SIGNED_IN,  # switching: only to a school the person works at
    ("GET", "/admin/schools"): frozenset(),  # the trust admin's (a trust role, not a school's)
    ("POST", "/admin/schools"): frozenset(),
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,
    ("GET", "/admin/users"): frozenset({AD}),
    ("POST", "/admin/users"): frozenset({AD}),
    ("POST", "/admin/users/{user_id}"): frozenset({AD}),
    ("GET", "/admin/staff-names"): frozenset({AD}),
    ("POST", "/admin/staff-names"): frozenset({AD}),
    ("POST", "/admin/staff-names/import"): frozenset({AD}),
    ("POST", "/admin/staff-names/{staff_id}/remove"): frozenset({AD}),
    ("GET", "/admin/audit"): frozenset({AD}),
    ("GET", "/admin/audit/verify"): frozenset({AD}),
    ("GET", "/admin/register"): frozenset({AD}),
    ("POST", "/admin/register/import"): frozenset({AD}),
    ("POST", "/admin/register/import/{preview_id}/confirm"): frozenset({AD}),
    ("GET", "/admin/register/{upn}"): frozenset({AD}),
    ("POST", "/admin/register/{upn}/withdraw"): frozenset({AD}),
    ("POST", "/admin/register/{upn}/enrol"): frozenset({AD}),
    ("POST", "/admin/register/{upn}/confirm"): frozenset({AD}),
    ("GET", "/drafts/new"): frozenset({A}),
    ("POST", "/drafts/check"): frozenset({A}),
    ("POST", "/drafts"): frozenset({A}),
    ("POST", "/drafts/length"): EDITORS,
    ("GET", "/calendar"): STAFF,
    ("GET", "/queues/approval-expired"): STAFF,
    # Draft routes need a role; which draft a user may see or change is the workflow's rule
    # (tested with the workflow), so here a missing draft answers 404 to those allowed.
    ("GET", "/drafts/{draft_id}"): STAFF,
    ("GET", "/drafts/{draft_id}/images/{sha256}"): STAFF,
    ("GET", "/drafts/{draft_id}/audit"): STAFF,
    ("POST", "/drafts/{draft_id}/check"): EDITORS,
    ("POST", "/drafts/{draft_id}/edit"): EDITORS,
    ("POST", "/drafts/{draft_id}/fix/blur"): EDITORS,
    ("POST", "/drafts/{draft_id}/fix/drop-channel"): EDITORS,
    ("POST", "/drafts/{draft_id}/faces/blur"): EDITORS,
    ("POST", "/drafts/{draft_id}/faces/not-learner"): EDITORS,
    ("POST", "/drafts/{draft_id}/faces/identify"): frozenset({H, D, AD}),
    ("POST", "/drafts/{draft_id}/faces/undo"): STAFF,
    ("POST", "/drafts/{draft_id}/comments"): STAFF,
    ("GET", "/drafts/{draft_id}/delete"): frozenset({A}),
    ("POST", "/drafts/{draft_id}/delete"): frozenset({A}),
    ("POST", "/drafts/{draft_id}/submit"): frozenset({A}),
    ("POST", "/drafts/{draft_id}/approve"): frozenset({AP}),
    ("POST", "/drafts/{draft_id}/signoff"): frozenset({H, D}),
    ("POST", "/drafts/{draft_id}/return"): frozenset({AP, H, D}),
    ("POST", "/drafts/{draft_id}/reject"): frozenset({H, D}),
    ("POST", "/api/check"): frozenset({A, AD}),
    ("POST", "/api/drafts"): frozenset({A}),
    ("GET", "/api/drafts/{draft_id}"): STAFF,
    ("PATCH", "/api/drafts/{draft_id}"): EDITORS,
    ("POST", "/api/drafts/{draft_id}/fix/blur"): EDITORS,
    ("POST", "/api/drafts/{draft_id}/fix/drop-channel"): EDITORS,
    ("POST", "/api/drafts/{draft_id}/recheck"): STAFF,
    ("POST", "/api/drafts/{draft_id}/submit"): frozenset({A}),
    ("POST", "/api/drafts/{draft_id}/approve"): frozenset({AP}),
    ("POST", "/api/drafts/{draft_id}/signoff"): frozenset({H, D}),
    ("POST", "/api/drafts/{draft_id}/return"): frozenset({AP, H, D}),
    ("POST", "/api/drafts/{draft_id}/reject"): frozenset({H, D}),
    ("GET", "/api/drafts/{draft_id}/audit"): STAFF,
    ("POST", "/api/drafts/{draft_id}/faces/blur"): EDITORS,
    ("POST", "/api/drafts/{draft_id}/faces/not-learner"): EDITORS,
    ("POST", "/api/drafts/{draft_id}/faces/identify"): frozenset({H, D, AD}),
    ("POST", "/api/drafts/{draft_id}/faces/undo"): STAFF,
    ("GET", "/api/queues/awaiting-approval"): frozenset({AP}),
    ("GET", "/api/queues/flagged"): frozenset({H, D}),
    ("GET", "/api/queues/mine"): STAFF,
    ("GET", "/api/queues/work"): STAFF,
    ("GET", "/api/queues/approval-expired"): STAFF,
    ("GET", "/api/openapi.json"): SIGNED_IN,
    ("GET", "/reports/policy"): frozenset({H, D, AD}),
    ("GET", "/reports/policy.csv"): frozenset({H, D, AD}),
    ("GET", "/reports/policy.html"): frozenset({H, D, AD}),
    ("GET", "/drafts/{draft_id}/release"): frozenset({A, AP, H}),
    ("POST", "/drafts/{draft_id}/release"): frozenset({A, AP, H}),
    ("POST", "/drafts/{draft_id}/release/classdojo.zip"): frozenset({A, AP, H}),
    ("POST", "/drafts/{draft_id}/release/{channel}/link"): frozenset({A, AP, H}),
    ("POST", "/drafts/{draft_id}/release/schedule"): frozenset({A, AP, H}),
    ("POST", "/drafts/{draft_id}/release/schedule/cancel"): frozenset({A, AP, H}),
    ("GET", "/takedowns"): frozenset({H, D, AD}),
    ("POST", "/takedowns/{takedown_id}/done"): frozenset({H, D, AD}),
    ("POST", "/takedowns/{takedown_id}/delete"): frozenset({H, D, AD}),
    ("POST", "/takedowns/{takedown_id}/deleted-by-hand"): frozenset({H, D, AD}),
    ("GET", "/admin/channels"): frozenset({AD}),
    ("POST", "/admin/channels/{channel}"): frozenset({AD}),
    ("POST", "/admin/channels/{channel}/remove"): frozenset({AD}),
    ("POST", "/admin/channels/{channel}/test"): frozenset({AD}),
    ("GET", "/api/drafts/{draft_id}/release"): frozenset({A, AP, H}),
    ("POST", "/api/drafts/{draft_id}/release"): frozenset({A, AP, H}),
    ("GET", "/api/drafts/{draft_id}/release/jobs/{job_id}"): frozenset({A, AP, H}),
    ("POST", "/api/drafts/{draft_id}/release/{channel}/link"): frozenset({A, AP, H}),
}

WHO = ["anonymous", "no roles", *[r.value for r in Role]]


def registered_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            yield "GET", route.path
            continue
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            yield method, route.path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[FastAPI, dict[str, User]]]:  # noqa: ANN001
    db = make_engine(migrated_url("sqlite", tmp_path_factory.mktemp("authz")))
    users = {"no roles": add_user(db, "nobody")}
    users |= {r.value: add_user(db, f"only-{r.value}", r) for r in Role}
    yield make_app(db, spacy.blank("en")), users
    db.dispose()


def test_every_route_has_a_rule(world) -> None:  # noqa: ANN001
    app, _ = world
    routes = set(registered_routes(app))
    missing = sorted(routes - RULES.keys())
    stale = sorted(RULES.keys() - routes)
    assert not missing, f"add these routes to RULES in {__file__}: {missing}"
    assert not stale, f"these RULES entries match no route any more: {stale}"


def _url(path: str) -> str:
    if path == "/static":
        return "/static/style.css"
    return re.sub(r"\{[^}]+\}", "999999", path)


def _client(app: FastAPI, user: User | None) -> TestClient:
    client = TestClient(app)
    if user is None:  # the pre-sign-in CSRF token, as the login page hands it out
        client.headers["X-CSRF-Token"] = csrf_from(client.get("/login").text)
        return client
    with Session(app.state.db) as s:  # a fresh session per request: /logout ends it
        token = create_session(session=s, user=user)
        s.commit()
        row = s.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).one()
    client.cookies.set("sl_session", token)
    client.headers["X-CSRF-Token"] = row.csrf_token
    return client


def expected(rule: str | frozenset[Role], who: str, path: str) -> str:
    if rule == PUBLIC:
        return "allowed"
    if rule == MACHINE:
        return "403"
    if who == "anonymous":
        return "401" if path.startswith("/api/") else "to login"
    if rule == SIGNED_IN or (who != "no roles" and Role(who) in rule):
        return "allowed"
    return "403"


def outcome(status: int, location: str | None) -> str:
    if status == 303 and (location or "").startswith("/login?next="):
        return "to login"
    return str(status) if status in (401, 403) else "allowed"


@pytest.mark.parametrize("who", WHO)
def test_each_route_answers_as_the_table_says(world, who: str) -> None:  # noqa: ANN001
    app, users = world
    wrong = []
    for (method, path), rule in sorted(RULES.items(), key=lambda kv: kv[0][1]):
        client = _client(app, users.get(who))
        resp = client.request(method, _url(path), follow_redirects=False)
        got = outcome(resp.status_code, resp.headers.get("location"))
        want = expected(rule, who, path)
        if got != want:
            wrong.append(f"{method} {path}: expected {want}, got {got} ({resp.status_code})")
    assert not wrong, f"as {who}:\n" + "\n".join(wrong)
