"""From an approved draft to posts on every channel, through the workflow, with the
channels' local fakes: exactly the approved bytes, once, and the draft says what happened."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import Session

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.release import scheduling
from secondlook.release.credentials import set_credentials
from secondlook.release.models import PostState
from secondlook.release.service import manual_export, record_link, release_draft
from secondlook.workflow import audit
from secondlook.workflow.expiry import ApprovalExpired
from secondlook.workflow.models import DraftState, ImageBlob
from secondlook.workflow.views import load_view
from tests.conftest import TEST_KEY
from tests.fakes.server import Fault
from tests.release_helpers import PHOTOS, approved_draft, state_of

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def test_a_draft_goes_out_on_all_three_channels_with_exactly_the_approved_bytes(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter", "classdojo"])
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client, policy=policy)
    assert out.state == DraftState.RELEASING  # Class Dojo's link is still to come
    assert {c.channel: c.state for c in out.channels} == {
        "facebook": PostState.POSTED, "twitter": PostState.POSTED,
        "classdojo": PostState.AWAITING_LINK}
    (fb_post,), (x_post,) = fake_facebook.posts, fake_x.posts
    with Session(sqlite_db) as s:  # the approved revision's photos: re-encoded, no metadata
        sent = [s.get(ImageBlob, i.sha256).data for i in load_view(s, draft_id).images]
    assert len(sent) == len(PHOTOS) and sent[0] != PHOTOS[0].data
    assert [p.data for p in fb_post.photos] == sent == [m.data for m in x_post.media]
    assert [p.alt for p in fb_post.photos] == [p.alt for p in PHOTOS] == [m.alt for m in
                                                                        x_post.media]
    assert fb_post.message == x_post.text == "Sports day! Well done all."

    name, data = manual_export(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                               checker=mengine)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.read("post.txt") == b"Sports day! Well done all." and name.endswith(".zip")
    assert zf.read("photo-01.jpg") == sent[0]
    done = record_link(db=sqlite_db, draft_id=draft_id, channel="classdojo",
                       url="https://home.classdojo.com/#/story/42", user=staff["alice"])
    assert done.state == DraftState.RELEASED
    record = state_of(sqlite_db, draft_id)
    with Session(sqlite_db) as s:
        view = load_view(s, draft_id)
        assert record.released_sha256 == view.content_sha256 == view.approvals[0].content_sha256
        actions = [e.action for e in audit.history(session=s, draft_id=draft_id)]
    assert actions[-4:] == ["release started", "channels", "channels", "released"]


def test_a_failed_channel_goes_back_to_approved_and_a_retry_posts_only_what_is_missing(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"])
    fake_x.token = "rotated-by-x"
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client, policy=policy)
    assert out.state == DraftState.APPROVED
    errors = {c.channel: c.error for c in out.channels}
    assert "secondlook channel set twitter" in errors["twitter"] and errors["facebook"] == ""
    with session_scope(sqlite_db) as s:
        set_credentials(session=s, channel="twitter",
                        values={"username": "oakfieldpri", "token": "rotated-by-x"}, actor=None,
                        key=TEST_KEY)
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client, policy=policy)
    assert out.state == DraftState.RELEASED
    assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1


def test_a_post_in_doubt_is_not_resent_and_a_person_completes_it(
        sqlite_db, staff, mengine, configured, client, policy, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(502, apply=True))
    out = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client, policy=policy)
    assert out.state == DraftState.APPROVED and out.channels[0].state == PostState.IN_DOUBT
    again = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                          settings=configured, client=client, policy=policy)
    assert again.channels[0].state == PostState.IN_DOUBT and len(fake_x.posts) == 1
    link = f"https://x.com/oakfieldpri/status/{fake_x.posts[0].id}"
    done = record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", url=link,
                       user=staff["alice"])
    assert done.state == DraftState.RELEASED and fake_x.calls.count("tweets") == 1


def test_concurrent_releases_post_once(sqlite_db, staff, mengine, configured, policy,
                                       fake_facebook) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[])
    errors: list[Exception] = []

    def go() -> None:
        try:
            release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                          settings=configured, policy=policy)
        except Exception as exc:  # noqa: BLE001 - the losers get Conflict/InvalidTransition
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_facebook.posts) == 1
    assert len(errors) == 7
    assert state_of(sqlite_db, draft_id).state == DraftState.RELEASED


def test_an_approval_older_than_30_days_expires_and_nothing_is_sent(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[])
    later = utcnow() + timedelta(days=31)
    with pytest.raises(ApprovalExpired, match="approve it again"):
        release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                      settings=configured, client=client, policy=policy, now=later)
    assert state_of(sqlite_db, draft_id).state == DraftState.SUBMITTED
    assert fake_facebook.calls == []
    with Session(sqlite_db) as s:
        assert load_view(s, draft_id).approvals == []


def test_a_scheduled_release_goes_out_when_due_and_not_before(
        sqlite_db, staff, mengine, configured, client, policy, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    now = utcnow()
    with session_scope(sqlite_db) as s:
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=now + timedelta(hours=1), now=now)
    assert scheduling.run_due(checker=mengine,
                              db=sqlite_db, settings=configured, now=now, client=client,
                              policy=policy) == []
    assert fake_x.posts == []
    (out,) = scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured,
                                now=now + timedelta(hours=2), client=client, policy=policy)
    assert out.state == DraftState.RELEASED and len(fake_x.posts) == 1
    assert scheduling.run_due(checker=mengine, db=sqlite_db, settings=configured,
                              now=now + timedelta(hours=3), client=client, policy=policy) == []


def test_a_time_in_the_past_is_refused_with_a_reason(sqlite_db, staff, mengine,
                                                     configured) -> None:
    from secondlook.workflow.errors import InvalidContent

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    with session_scope(sqlite_db) as s, pytest.raises(InvalidContent, match="in the past"):
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=utcnow() - timedelta(minutes=5))


def test_a_pasted_link_must_be_a_post_on_that_channel(sqlite_db, staff, mengine, configured,
                                                      client, policy, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(504))  # a gateway gave up; X never saw it
    release_draft(checker=mengine,
                  db=sqlite_db, draft_id=draft_id, user=staff["alice"], settings=configured,
                  client=client, policy=policy)
    for bad in ("javascript:alert(1)", "https://evil.example/x.com", "http://x.com/a/status/1"):
        with pytest.raises(ValueError, match="not a link to a twitter post"):
            record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", url=bad,
                        user=staff["alice"])
    # Checked by a person and not there: it may be sent again, and it is.
    out = record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", url=None,
                      user=staff["alice"])
    assert out.channels[0].state == PostState.FAILED
    again = release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                          settings=configured, client=client, policy=policy)
    assert again.state == DraftState.RELEASED and fake_x.calls.count("tweets") == 2
    assert len(fake_x.posts) == 1


def test_photo_bytes_changed_after_approval_are_never_sent(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook) -> None:
    from secondlook.release.content import ReleaseRefused

    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"])
    with session_scope(sqlite_db) as s:  # e.g. a restore from the wrong backup
        blob = s.get(ImageBlob, load_view(s, draft_id).images[0].sha256)
        blob.data = blob.data + b"\x00"
        s.add(blob)
    with pytest.raises(ReleaseRefused, match="not the approved content"):
        release_draft(checker=mengine, db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                      settings=configured, client=client, policy=policy)
    assert fake_facebook.calls == []
    assert state_of(sqlite_db, draft_id).state == DraftState.APPROVED  # handed back


def test_release_once_under_concurrent_requests_on_both_databases(
        db, mengine, settings, policy, fake_facebook, fake_x) -> None:
    """The whole path (claim, publish, record, mark released) on SQLite and PostgreSQL:
    six people press release at once; each channel gets one post."""
    from tests.fakes import facebook as fb
    from tests.fakes import x as xfake
    from tests.workflow_helpers import add_staff

    staff = add_staff(db)
    with session_scope(db) as s:
        set_credentials(session=s, channel="facebook",
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN}, actor=None,
                        key=TEST_KEY)
        set_credentials(session=s, channel="twitter",
                        values={"username": "oakfieldpri", "token": xfake.TOKEN}, actor=None,
                        key=TEST_KEY)
    draft_id = approved_draft(db, staff, mengine, ["facebook", "twitter"])
    results: list[str] = []

    def go(who: str) -> None:
        try:
            results.append(release_draft(checker=mengine, db=db, draft_id=draft_id, user=staff[who],
                                         settings=settings, policy=policy).state)
        except Exception as exc:  # noqa: BLE001 - losers are refused by the workflow
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=go, args=(who,))
               for who in ("alice", "bob", "carol", "helen", "alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("released") == 1, results
    assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1
    assert state_of(db, draft_id).state == DraftState.RELEASED
