"""A draft that is already on one channel is never posted there a second time: not after
an edit, not after a re-check, not after a re-approval."""

from __future__ import annotations

from consent_store.db import session_scope
from secondlook.release.credentials import set_credentials
from secondlook.release.models import PostState
from secondlook.release.service import record_link, release_draft
from secondlook.workflow import drafts
from secondlook.workflow.models import DraftState
from secondlook.workflow.views import load_view
from tests.conftest import TEST_KEY
from tests.release_helpers import approved_draft

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def _half_released(db, staff, mengine, configured, client, policy, fake_x) -> int:  # noqa: ANN001
    draft_id = approved_draft(db, staff, mengine, ["facebook", "twitter"], photos=[])
    fake_x.token = "rotated-by-x"  # X refuses: Facebook is posted, X is not
    out = release_draft(checker=mengine, db=db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, client=client, policy=policy)
    assert out.state == DraftState.APPROVED
    with session_scope(db) as s:
        set_credentials(session=s, channel="twitter",
                        values={"username": "oakfieldpri", "token": "rotated-by-x"},
                        actor=None, key=TEST_KEY)
    return draft_id


def _approve_again(db, staff, draft_id: int) -> None:  # noqa: ANN001
    with session_scope(db) as s:
        view = load_view(s, draft_id)
        if view.draft.state != DraftState.SUBMITTED:
            drafts.submit(session=s, draft_id=draft_id, user=staff["alice"])
            view = load_view(s, draft_id)
        drafts.approve(session=s, draft_id=draft_id, user=staff["bob"],
                       content_sha256=view.content_sha256)


def _release(db, staff, mengine, configured, client, policy, draft_id):  # noqa: ANN001, ANN202
    return release_draft(checker=mengine, db=db, draft_id=draft_id, user=staff["alice"],
                         settings=configured, client=client, policy=policy)


def test_an_edit_after_a_partial_release_is_not_posted_twice_where_it_is_online(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook, fake_x) -> None:
    draft_id = _half_released(sqlite_db, staff, mengine, configured, client, policy, fake_x)
    with session_scope(sqlite_db) as s:
        drafts.revise(session=s, draft_id=draft_id, user=staff["alice"], checker=mengine,
                      text="Sports day! Well done everyone.")
    _approve_again(sqlite_db, staff, draft_id)
    out = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    # X gets the new words; Facebook, which shows the first version, is not sent a second.
    assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1
    assert fake_x.posts[0].text == "Sports day! Well done everyone."
    assert out.state == DraftState.APPROVED
    facebook = {c.channel: c for c in out.channels}["facebook"]
    assert facebook.state == PostState.FAILED
    assert "Facebook already shows revision 1" in facebook.error
    assert "stop posting to Facebook" in facebook.error
    # The way out the message names: stop posting to Facebook; the draft is then released.
    with session_scope(sqlite_db) as s:
        drafts.drop_channel(session=s, draft_id=draft_id, user=staff["alice"],
                            channel="facebook", checker=mengine)
    _approve_again(sqlite_db, staff, draft_id)
    done = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    assert done.state == DraftState.RELEASED
    assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1


def test_a_new_revision_with_the_same_words_keeps_the_post_it_already_has(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook, fake_x) -> None:
    draft_id = _half_released(sqlite_db, staff, mengine, configured, client, policy, fake_x)
    for text in ("Sports day! Well done everyone.", "Sports day! Well done all."):
        with session_scope(sqlite_db) as s:  # edited, then put back word for word
            drafts.revise(session=s, draft_id=draft_id, user=staff["alice"], checker=mengine,
                          text=text)
    _approve_again(sqlite_db, staff, draft_id)
    out = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    assert out.state == DraftState.RELEASED
    assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1
    links = {c.channel: c.url for c in out.channels}
    assert links["facebook"].endswith(fake_facebook.posts[0].id)


def test_a_post_in_doubt_on_an_earlier_revision_is_answered_before_anything_is_resent(
        sqlite_db, staff, mengine, configured, client, policy, fake_facebook, fake_x) -> None:
    from tests.fakes.server import Fault

    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(502))  # the answer is lost: it may be online
    out = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    assert {c.channel: c.state for c in out.channels}["twitter"] == PostState.IN_DOUBT
    with session_scope(sqlite_db) as s:
        drafts.revise(session=s, draft_id=draft_id, user=staff["alice"], checker=mengine,
                      text="Sports day! Well done everyone.")
    _approve_again(sqlite_db, staff, draft_id)
    out = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    errors = {c.channel: c.error for c in out.channels}
    assert "may be on X (Twitter) already" in errors["twitter"]
    assert fake_x.calls.count("tweets") == 1
    assert fake_x.posts == []
    # The person looks at X: the first tweet is not there. The answer reaches the earlier
    # revision's row, and the new version can go out.
    record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", url=None,
                user=staff["alice"])
    with session_scope(sqlite_db) as s:
        drafts.drop_channel(session=s, draft_id=draft_id, user=staff["alice"],
                            channel="facebook", checker=mengine)
    _approve_again(sqlite_db, staff, draft_id)
    done = _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    assert done.state == DraftState.RELEASED and fake_x.calls.count("tweets") == 2
    assert len(fake_x.posts) == 1 and fake_x.posts[0].text == "Sports day! Well done everyone."


def test_the_release_page_offers_the_answer_for_a_post_in_doubt_on_an_earlier_version(
        sqlite_db, staff, mengine, configured, client, policy, blank_nlp, fake_x) -> None:
    from tests.fakes.server import Fault
    from tests.web_support import make_app, signed_in

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(502))
    _release(sqlite_db, staff, mengine, configured, client, policy, draft_id)
    with session_scope(sqlite_db) as s:
        drafts.revise(session=s, draft_id=draft_id, user=staff["alice"], checker=mengine,
                      text="Sports day! Well done everyone.")
    _approve_again(sqlite_db, staff, draft_id)
    app = make_app(sqlite_db, blank_nlp, home=configured.home, data_key=configured.data_key,
                   x_api_url=configured.x_api_url)
    web, csrf = signed_in(app, sqlite_db, staff["alice"])
    page = web.get(f"/drafts/{draft_id}/release").text
    assert "may be online" in page and "It is not there" in page
    answered = web.post(f"/drafts/{draft_id}/release/twitter/link",
                        data={"csrf_token": csrf, "not_posted": "true"}, follow_redirects=True)
    assert "Recorded as not posted" in answered.text
    sent = web.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                    follow_redirects=True)
    assert sent.status_code == 200 and len(fake_x.posts) == 1
    assert fake_x.posts[0].text == "Sports day! Well done everyone."
