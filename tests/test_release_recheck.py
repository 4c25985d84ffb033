"""Every path that hands content out — the Class Dojo zip, a release through the API, a
scheduled release — checks the current revision against today's register first: a
consent withdrawn, or one that expired since the check, stops it before a byte is out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from consent_store.register_import import apply_register, import_register_file, parse_register
from moderation.checks.learner_names import LearnerNameCheck
from moderation.pipeline import Engine
from secondlook.release import scheduling
from secondlook.release.models import ScheduledRelease
from secondlook.workflow import drafts
from secondlook.workflow.models import DraftState, Revision
from secondlook.workflow.views import load_view
from tests.conftest import EXAMPLES, checker_for
from tests.release_helpers import state_of
from tests.web_support import api_token, make_app, signed_in

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]

REGISTER = (EXAMPLES / "register.csv").read_text()
JAYDEN = "B234567890123,Jayden,Okafor,,,Year 6,all,full,yes,,,2027-07-31"


@pytest.fixture
def names(blank_nlp):  # noqa: ANN001, ANN201
    return Engine(nlp=blank_nlp, checks=[LearnerNameCheck()])


def _register(db, jayden: str = JAYDEN) -> None:  # noqa: ANN001
    with session_scope(db) as s:
        apply_register(s, parse_register(REGISTER.replace(JAYDEN, jayden), "register.csv"))


def _approved(db, staff, checker, channels, today: date | None = None) -> int:  # noqa: ANN001
    with session_scope(db) as s:
        view = drafts.create_draft(session=s, author=staff["alice"], channels=channels,
                                   text="Well done Jayden Okafor!", checker=checker, today=today)
        assert view.verdict == "pass", view.report  # his family consented to his full name
        drafts.submit(session=s, draft_id=view.id, user=staff["alice"])
        drafts.approve(session=s, draft_id=view.id, user=staff["bob"],
                       content_sha256=view.content_sha256, checker=checker)
        return view.id


def _app(db, settings, engine):  # noqa: ANN001, ANN202
    app = make_app(db, engine.nlp, home=settings.home, data_key=settings.data_key,
                   facebook_graph_url=settings.facebook_graph_url, x_api_url=settings.x_api_url,
                   release_scheduler_seconds=0)
    app.state.moderation = engine
    return app


def _api(app, db, user) -> TestClient:  # noqa: ANN001
    return TestClient(app, headers={"Authorization": f"Bearer {api_token(db, user)}"})


def test_the_class_dojo_zip_is_refused_after_the_name_consent_is_withdrawn(
        sqlite_db, staff, names, configured) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    draft_id = _approved(sqlite_db, staff, checker_for(names), ["classdojo"])
    page, csrf = signed_in(_app(sqlite_db, configured, names), sqlite_db, staff["alice"])
    zipped = f"/drafts/{draft_id}/release/classdojo.zip"
    assert page.post(zipped, data={"csrf_token": csrf}).status_code == 200
    _register(sqlite_db, JAYDEN.replace(",full,", ",first,"))  # the family withdraws it
    resp = page.post(zipped, data={"csrf_token": csrf})
    assert resp.status_code == 409 and resp.headers["content-type"].startswith("text/html")
    assert "register changed" in resp.text and "attachment" not in str(resp.headers)
    # The new report is stored: the draft needs approving again, and cannot be.
    with Session(sqlite_db) as s:
        view = load_view(s, draft_id)
    assert view.draft.state == DraftState.DRAFT and view.verdict == "block"
    assert view.revision.system_edit.startswith("checked again")


def test_a_release_is_refused_when_a_consent_expired_since_the_check(
        sqlite_db, staff, names, configured, fake_x) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    yesterday = date.today() - timedelta(days=1)
    _register(sqlite_db, JAYDEN.replace("2027-07-31", yesterday.isoformat()))
    checked = date.today() - timedelta(days=2)  # checked and approved two days ago
    draft_id = _approved(sqlite_db, staff, checker_for(names), ["twitter"], today=checked)
    with session_scope(sqlite_db) as s:
        s.exec(update(Revision).where(col(Revision.draft_id) == draft_id)
               .values(created_at=utcnow() - timedelta(days=2)))
    api = _api(_app(sqlite_db, configured, names), sqlite_db, staff["alice"])
    resp = api.post(f"/api/drafts/{draft_id}/release")
    assert resp.status_code == 409 and "re-check" in resp.json()["detail"]
    assert fake_x.calls == [] and state_of(sqlite_db, draft_id).state == DraftState.DRAFT


def test_a_scheduled_release_is_not_sent_after_the_consent_is_withdrawn(
        sqlite_db, staff, names, configured, client, fake_x) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    checker = checker_for(names)
    draft_id = _approved(sqlite_db, staff, checker, ["twitter"])
    now = utcnow()
    with session_scope(sqlite_db) as s:
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=now + timedelta(minutes=5), now=now)
    _register(sqlite_db, JAYDEN.replace(",full,", ",none,"))
    (result,) = scheduling.run_due(db=sqlite_db, settings=configured, checker=checker,
                                   client=client, now=now + timedelta(minutes=6))
    assert isinstance(result, str) and "register changed" in result
    assert fake_x.calls == []
    with Session(sqlite_db) as s:
        assert s.get(ScheduledRelease, draft_id).state == "failed"
        assert load_view(s, draft_id).verdict == "block"


def test_a_half_released_post_hands_out_no_class_dojo_copy_after_a_withdrawal(
        sqlite_db, staff, names, configured, client, fake_facebook) -> None:
    from secondlook.release.models import PostState
    from secondlook.release.service import channel_posts, release_draft

    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    checker = checker_for(names)
    draft_id = _approved(sqlite_db, staff, checker, ["facebook", "classdojo"])
    out = release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, checker=checker, client=client)
    assert out.state == DraftState.RELEASING and len(fake_facebook.posts) == 1
    _register(sqlite_db, JAYDEN.replace(",full,", ",first,"))
    page, csrf = signed_in(_app(sqlite_db, configured, names), sqlite_db, staff["alice"])
    resp = page.post(f"/drafts/{draft_id}/release/classdojo.zip", data={"csrf_token": csrf})
    assert resp.status_code == 409 and "nothing was sent or handed out" in resp.text
    with Session(sqlite_db) as s:
        posts = {p.channel: p.state for p in channel_posts(s, draft_id, 1)}
        view = load_view(s, draft_id)
    assert posts == {"facebook": PostState.POSTED, "classdojo": PostState.FAILED}
    assert view.draft.state == DraftState.DRAFT and view.verdict == "block"  # not stuck
