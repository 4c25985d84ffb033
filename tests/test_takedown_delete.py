"""Takedowns are shown to the people who must act (a banner and a count), Facebook and X
posts are deleted through the channels' APIs (the local fakes), and a Class Dojo post is
deleted by hand with a receipt of who confirmed it and when."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select, update

from consent_store.db import session_scope
from consent_store.register_import import LearnerChange
from secondlook.release.models import ChannelPost, Takedown
from secondlook.release.takedowns import open_takedowns, takedown_queue
from secondlook.workflow.models import AuditEntry
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft
from tests.web_support import make_app, signed_in

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]
AMELIA = "A123456789012"


def _released_then_withdrawn(db, staff, mengine, configured, blank_nlp):  # noqa: ANN001, ANN202
    """A post released to Facebook, X and Class Dojo naming Amelia, then her family
    withdraws name consent: three takedowns."""
    draft_id = approved_draft(db, staff, mengine, ["facebook", "twitter", "classdojo"],
                              photos=[])
    app = make_app(db, blank_nlp, home=configured.home, data_key=configured.data_key,
                   facebook_graph_url=configured.facebook_graph_url,
                   x_api_url=configured.x_api_url)
    alice, csrf = signed_in(app, db, staff["alice"])
    alice.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf})
    alice.post(f"/drafts/{draft_id}/release/classdojo/link",
               data={"csrf_token": csrf, "url": "https://home.classdojo.com/#/s/1"})
    with session_scope(db) as s:
        s.exec(update(ChannelPost).values(named=AMELIA))  # type: ignore[call-overload]
    with session_scope(db) as s:
        opened = open_takedowns(session=s, changes=[
            LearnerChange(AMELIA, {"name_consent": ("full", "none")})])
    assert len(opened) == 3
    return app, draft_id


def _entry(db, channel: str) -> int:  # noqa: ANN001
    with Session(db) as s:
        return next(i.id for i in takedown_queue(session=s) if i.channel == channel)


def _audit(db) -> list[tuple[str, str, dict]]:  # noqa: ANN001
    with Session(db) as s:
        rows = s.exec(select(AuditEntry).order_by(col(AuditEntry.position))).all()
        return [(e.actor, e.action, json.loads(e.detail)) for e in rows]


def test_the_admin_sees_a_banner_and_deletes_on_facebook_and_x_through_their_apis(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook, fake_x) -> None:  # noqa: ANN001
    app, draft_id = _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    admin, csrf = signed_in(app, sqlite_db, staff["adam"])
    home = admin.get("/").text
    assert "3 published posts must be taken down" in home
    assert 'href="/takedowns">Takedowns <span class="count menu-count"' in home
    page = admin.get("/takedowns").text
    assert "Delete on Facebook" in page and "Delete on X (Twitter)" in page
    assert "I deleted it on Class Dojo" in page

    (fb_post,) = fake_facebook.posts
    done = admin.post(f"/takedowns/{_entry(sqlite_db, 'facebook')}/delete",
                      data={"csrf_token": csrf})
    assert "The post is gone from Facebook" in done.text
    assert fake_facebook.posts == [] and [p.id for p in fake_facebook.deleted] == [fb_post.id]
    (x_post,) = fake_x.posts
    done = admin.post(f"/takedowns/{_entry(sqlite_db, 'twitter')}/delete",
                      data={"csrf_token": csrf})
    assert "The post is gone from X (Twitter)" in done.text
    assert fake_x.posts == [] and [p.id for p in fake_x.deleted] == [x_post.id]
    assert "1 published post must be taken down" in admin.get("/").text
    notes = [d["note"] for actor, a, d in _audit(sqlite_db) if a == "taken down"]
    assert notes == [f"deleted on Facebook through its API (post {fb_post.id})",
                     f"deleted on X (Twitter) through its API (post {x_post.id})"]


def test_a_class_dojo_post_is_deleted_by_hand_with_a_receipt(
        sqlite_db, staff, mengine, configured, blank_nlp) -> None:  # noqa: ANN001
    app, _ = _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    head, csrf = signed_in(app, sqlite_db, staff["helen"])
    entry = _entry(sqlite_db, "classdojo")
    page = head.post(f"/takedowns/{entry}/deleted-by-hand", data={"csrf_token": csrf}).text
    assert "Recorded: deleted on Class Dojo by hand; confirmed by Helen." in page
    receipts = page.split('id="receipts"', 1)[1]
    assert "Class Dojo" in receipts and "by Helen" in receipts
    with Session(sqlite_db) as s:
        row = s.get(Takedown, entry)
        assert row.closed_by_id == staff["helen"].id and row.closed_at is not None
    (last,) = [(actor, d) for actor, a, d in _audit(sqlite_db) if a == "taken down"]
    assert last[0] == "helen" and last[1]["channels"] == ["classdojo"]


def test_a_refused_delete_keeps_the_takedown_open_and_is_in_the_audit_log(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:  # noqa: ANN001
    app, _ = _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    admin, csrf = signed_in(app, sqlite_db, staff["adam"])
    fake_facebook.faults.add("delete", Fault(500))
    page = admin.post(f"/takedowns/{_entry(sqlite_db, 'facebook')}/delete",
                      data={"csrf_token": csrf}).text
    assert "Facebook did not delete the post" in page and "It stays on the list" in page
    assert len(fake_facebook.posts) == 1
    with Session(sqlite_db) as s:
        assert len(takedown_queue(session=s)) == 3
    failed = [d for _, a, d in _audit(sqlite_db) if a == "takedown.delete_failed"]
    assert failed and failed[0]["channels"] == ["facebook"] and "500" in failed[0]["note"]


def test_a_post_already_gone_from_the_channel_closes_the_takedown(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_x) -> None:  # noqa: ANN001
    app, _ = _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    fake_x.posts.clear()  # someone deleted it on X already
    admin, csrf = signed_in(app, sqlite_db, staff["adam"])
    page = admin.post(f"/takedowns/{_entry(sqlite_db, 'twitter')}/delete",
                      data={"csrf_token": csrf}).text
    assert "already deleted" in page
    with Session(sqlite_db) as s:
        assert {i.channel for i in takedown_queue(session=s)} == {"facebook", "classdojo"}


def test_an_author_cannot_delete_posts_or_see_the_list(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:  # noqa: ANN001
    app, _ = _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    alice, csrf = signed_in(app, sqlite_db, staff["alice"])
    assert alice.get("/takedowns").status_code == 403
    resp = alice.post(f"/takedowns/{_entry(sqlite_db, 'facebook')}/delete",
                      data={"csrf_token": csrf})
    assert resp.status_code == 403 and len(fake_facebook.posts) == 1
    assert "must be taken down" not in alice.get("/").text



def test_the_delete_is_a_job_the_list_follows_and_the_request_never_waits_for_facebook(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:  # noqa: ANN001
    from secondlook.jobs.local import LocalRunner

    _released_then_withdrawn(sqlite_db, staff, mengine, configured, blank_nlp)
    served = make_app(sqlite_db, blank_nlp, home=configured.home, data_key=configured.data_key,
                      facebook_graph_url=configured.facebook_graph_url,
                      x_api_url=configured.x_api_url, jobs_run="server")  # no runner yet
    admin, csrf = signed_in(served, sqlite_db, staff["adam"])
    asked = admin.post(f"/takedowns/{_entry(sqlite_db, 'facebook')}/delete",
                       data={"csrf_token": csrf}, follow_redirects=False)
    assert asked.status_code == 303 and "/takedowns?job=" in asked.headers["location"]
    waiting = admin.get(asked.headers["location"]).text
    assert "Deleting the post: waiting for a job worker to ask Facebook to delete it" in waiting
    assert '<meta http-equiv="refresh"' in waiting  # the list follows the job by itself
    assert fake_facebook.deleted == []  # the person's request did not wait for Facebook
    assert LocalRunner(sqlite_db, served.state.job_context).work_once() >= 1
    done = admin.get(asked.headers["location"]).text
    assert "The post is gone from Facebook: deleted on Facebook through its API" in done
    assert '<meta http-equiv="refresh"' not in done and len(fake_facebook.deleted) == 1
