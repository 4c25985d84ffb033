"""Two schools of one trust, with learners of the same names: nothing of one school reaches
a person who works only at the other, on any route, in any role, on SQLite and PostgreSQL.

The routes are enumerated from the app, so a route added later is covered without a line
here. Path parameters are filled with the *other* school's real ids (its draft, learner,
staff name, takedown), which is how a leak would be tried. Every response body is searched
for the other school's markers, and afterwards every school-scoped table must hold exactly
the other school's rows it held before (no POST reached into it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from consent_store.db import make_engine
from consent_store.models import Learner, School, StaffMember
from consent_store.scope import all_schools, scoped_models, use_school
from secondlook.accounts.models import Role, User, WebSession
from secondlook.accounts.sessions import create_session, token_hash
from secondlook.workflow import comments, drafts
from tests.conftest import checker_for, migrated_url
from tests.workflow_helpers import marker_engine

SAME_FIRST, SAME_LAST = "Tamsin", "Oyelaran"
OAK, BEECH = "OAKMARK", "BEECHMARK"  # each school's own words, to be found or not
BEECH_UPN = "B900000000002"


def _staff(db, school_id: int, prefix: str, marker: str) -> dict[str, User]:  # noqa: ANN001
    users = {}
    with use_school(school_id), Session(db, expire_on_commit=False) as s:
        for role in Role:
            tag = "" if school_id == 1 else f"{school_id}:"
            users[role.value] = User(username=f"{prefix}-{role.value}",
                                     display_name=f"{marker} {role.value}",
                                     roles=tag + role.value)
        s.add_all(users.values())
        s.commit()
    return users


def _school_data(db, school_id: int, marker: str, upn: str, users: dict[str, User],  # noqa: ANN001
                 checker) -> int:  # noqa: ANN001
    with use_school(school_id), Session(db) as s:
        s.add(Learner(upn=upn, first_name=SAME_FIRST, last_name=SAME_LAST,
                      year_group=f"{marker} year", photo_channels="website"))
        s.add(StaffMember(title="Mx", first_name=marker.title(), last_name="Staffname"))
        s.commit()
        view = drafts.create_draft(session=s, author=users["author"], checker=checker,
                                   text=f"{marker} sports day with {SAME_FIRST} {SAME_LAST}.")
        draft_id = view.draft.id
        drafts.submit(session=s, draft_id=draft_id, user=users["author"])
        comments.add_comment(session=s, draft_id=draft_id, user=users["approver"],
                             body=f"{marker} comment")
        s.commit()
        return draft_id


@pytest.fixture(params=["sqlite", "postgres"])
def trust(request, tmp_path, blank_nlp) -> Iterator[tuple[FastAPI, dict, dict]]:  # noqa: ANN001
    from tests.web_support import make_app

    db = make_engine(migrated_url(request.param, tmp_path))
    with Session(db) as s:
        s.add(School(name="Beech Primary"))
        s.commit()
        beech = s.exec(select(School).where(School.name == "Beech Primary")).one().id
    checker = checker_for(marker_engine(blank_nlp))
    oak_staff, beech_staff = _staff(db, 1, "oak", OAK), _staff(db, beech, "beech", BEECH)
    with use_school(1), Session(db, expire_on_commit=False) as s:
        s.add(User(username="trust-admin", display_name="Trust admin", roles="trust_admin"))
        s.add(User(username="no-school", display_name="Nobody", roles=""))
        s.commit()
    ids = {"oak_draft": _school_data(db, 1, OAK, "A100000000001", oak_staff, checker),
           "beech_draft": _school_data(db, beech, BEECH, BEECH_UPN, beech_staff, checker),
           "beech": beech}
    with use_school(beech), Session(db) as s:
        ids["beech_staff_name"] = s.exec(select(StaffMember.id)).one()
    with Session(db, expire_on_commit=False) as s:
        people = {u.username: u for u in s.exec(select(User))}
    yield make_app(db, blank_nlp), people, ids
    db.dispose()


def _client(app: FastAPI, user: User) -> TestClient:
    client = TestClient(app)
    with Session(app.state.db) as s:
        token = create_session(session=s, user=user)
        s.commit()
        row = s.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).one()
    client.cookies.set("sl_session", token)
    client.headers["X-CSRF-Token"] = row.csrf_token
    return client


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        path = getattr(route, "path", "")
        for method in sorted((getattr(route, "methods", None) or set()) - {"HEAD"}):
            if not path.startswith("/static") and path not in ("/logout", "/metrics"):
                found.append((method, path))
    return found


def _fill(path: str, ids: dict) -> str:
    values = {"draft_id": ids["beech_draft"], "upn": BEECH_UPN, "channel": "facebook",
              "staff_id": ids["beech_staff_name"]}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(values.get(m.group(1), 1)), path)


def _rows_by_school(db) -> dict[str, tuple[int, ...]]:  # noqa: ANN001
    counts = {}
    with all_schools(), Session(db) as s:
        for model in scoped_models():
            rows = s.exec(select(model.school_id, func.count()).group_by(model.school_id))
            counts[model.__tablename__] = tuple(sorted(map(tuple, rows)))
    return counts


def test_the_markers_are_found_where_they_belong(trust) -> None:  # noqa: ANN001
    """The control: each school's own people do see their school's words and learner."""
    app, people, ids = trust
    oak = _client(app, people["oak-approver"]).get(f"/drafts/{ids['oak_draft']}")
    assert oak.status_code == 200 and OAK in oak.text and BEECH not in oak.text
    beech = _client(app, people["beech-approver"]).get(f"/drafts/{ids['beech_draft']}")
    assert beech.status_code == 200 and BEECH in beech.text and OAK not in beech.text
    register = _client(app, people["beech-admin"]).get("/admin/register")
    assert BEECH in register.text and OAK not in register.text


@pytest.mark.parametrize("who", [*(f"oak-{r.value}" for r in Role), "trust-admin",
                                 "no-school"])
def test_no_route_shows_another_schools_rows(trust, who: str) -> None:  # noqa: ANN001
    app, people, ids = trust
    before = _rows_by_school(app.state.db)
    client, leaks = _client(app, people[who]), []
    for method, path in _routes(app):
        resp = client.request(method, _fill(path, ids), follow_redirects=False)
        if BEECH in resp.text or BEECH_UPN in resp.text:
            leaks.append(f"{method} {path} ({resp.status_code})")
        if resp.status_code >= 500:  # a crash is no proof of isolation
            leaks.append(f"{method} {path} crashed ({resp.status_code})")
    assert not leaks, f"{who} saw Beech Primary's rows on:\n" + "\n".join(leaks)
    after = _rows_by_school(app.state.db)
    beech = ids["beech"]
    changed = {t: (before[t], after[t]) for t in before
               if [c for c in before[t] if c[0] == beech] != [c for c in after[t] if c[0] == beech]}
    assert not changed, f"{who} changed Beech Primary's rows: {changed}"


def test_a_person_at_two_schools_switches_between_them(trust) -> None:  # noqa: ANN001
    app, people, ids = trust
    with Session(app.state.db) as s:
        both = s.get(User, people["oak-approver"].id)
        both.roles = f"approver;{ids['beech']}:approver"
        s.add(both)
        s.commit()
    client = _client(app, people["oak-approver"])
    home = client.get("/")
    assert "Beech Primary" in home.text and BEECH not in home.text  # the switcher, only
    switched = client.post("/school", data={"school_id": ids["beech"]},
                           headers={"X-CSRF-Token": client.headers["X-CSRF-Token"]})
    assert switched.status_code == 200
    page = client.get(f"/drafts/{ids['beech_draft']}")
    assert f"{BEECH} sports day" in page.text and f"{OAK} sports day" not in page.text
    assert client.get(f"/drafts/{ids['oak_draft']}").status_code == 404


def test_one_school_shows_no_trust_at_all(tmp_path, blank_nlp) -> None:  # noqa: ANN001
    from tests.web_support import add_user, make_app

    db = make_engine(migrated_url("sqlite", tmp_path))
    admin = add_user(db, "head", Role.ADMIN, Role.HEADTEACHER)
    page = _client(make_app(db, blank_nlp), admin).get("/")
    assert page.status_code == 200
    assert 'name="school_id"' not in page.text and "/admin/schools" not in page.text


def test_every_table_belongs_to_a_school_or_is_named_global() -> None:
    """A table added later (by any change) must decide: scoped, or global for a reason."""
    from consent_store.scope import GLOBAL_TABLES
    from secondlook.schema import metadata

    undecided = sorted(t.name for t in metadata.sorted_tables
                       if "school_id" not in t.c and t.name not in GLOBAL_TABLES)
    assert not undecided, ("give these tables school_id, or list them in GLOBAL_TABLES "
                           f"with the reason: {undecided}")
    scoped = {m.__tablename__ for m in scoped_models()}
    assert {"learner", "draft", "audit_entry", "channel_credential", "takedown"} <= scoped


def test_a_trust_admin_adds_a_school_on_the_schools_page(tmp_path,  # noqa: ANN001
                                                         blank_nlp) -> None:  # noqa: ANN001
    from tests.web_support import make_app

    db = make_engine(migrated_url("sqlite", tmp_path))
    with Session(db, expire_on_commit=False) as s:
        boss = User(username="ceo", display_name="Trust lead", roles="trust_admin")
        s.add(boss)
        s.commit()
    client = _client(make_app(db, blank_nlp), boss)
    listed = client.get("/admin/schools")
    assert listed.status_code == 200 and "First school" in listed.text
    added = client.post("/admin/schools", data={"name": "Beech Primary"})
    assert added.status_code == 200 and "Beech Primary" in added.text
    again = client.post("/admin/schools", data={"name": "beech primary"})
    assert again.status_code == 422 and "already a school called" in again.text
    home = client.get("/")
    assert 'name="school_id"' in home.text  # two schools now: the switcher appears
