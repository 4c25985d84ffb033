"""Conversations on a draft (about its text or a photo) between author, approver and
headteacher, kept with the draft's history; and deleting a draft that never went out."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from secondlook.deletion import delete_draft
from secondlook.release.models import ChannelPost, PostState
from secondlook.workflow import audit, drafts
from secondlook.workflow.comments import add_comment, comments
from secondlook.workflow.errors import Forbidden, InvalidContent, InvalidTransition, NotFound
from secondlook.workflow.models import Decision, DraftRecord, ImageBlob, Revision
from tests.web_support import make_app, signed_in
from tests.workflow_helpers import photo

pytest_plugins = ["tests.workflow_support"]


def _draft(wf, staff, mengine, text="Our trip to the farm", photos=()):  # noqa: ANN001, ANN202
    from moderation.draft import DraftImage

    images = [DraftImage(p, alt="Lambs", name=f"lamb{n}.png") for n, p in enumerate(photos)]
    return drafts.create_draft(session=wf, author=staff["alice"], text=text, images=images,
                               checker=mengine)


def test_colleagues_talk_about_the_text_and_a_photo(wf, staff, mengine) -> None:  # noqa: ANN001
    view = _draft(wf, staff, mengine, photos=[photo()])
    drafts.submit(session=wf, draft_id=view.id, user=staff["alice"])
    add_comment(session=wf, draft_id=view.id, user=staff["bob"], body="Which farm was it?",
                quote="the   farm")
    add_comment(session=wf, draft_id=view.id, user=staff["helen"], about="photo:1",
                body="Are any faces in this one?")
    add_comment(session=wf, draft_id=view.id, user=staff["alice"], body="None, just lambs.")
    said = [(c.user_id, c.about, c.quote, c.body) for c in comments(session=wf, draft_id=view.id)]
    assert said == [(staff["bob"].id, "text", "the farm", "Which farm was it?"),
                    (staff["helen"].id, "photo:1", "", "Are any faces in this one?"),
                    (staff["alice"].id, "", "", "None, just lambs.")]
    logged = [e for e in audit.history(session=wf, draft_id=view.id) if e.action == "commented"]
    assert [e.actor for e in logged] == ["bob", "helen", "alice"]
    assert '"comment":"Which farm was it?"' in logged[0].detail
    assert '"about":"photo 1"' in logged[1].detail


def test_a_comment_must_say_something_about_what_is_there(wf, staff, mengine) -> None:  # noqa: ANN001
    view = _draft(wf, staff, mengine)
    with pytest.raises(InvalidContent, match="write something"):
        add_comment(session=wf, draft_id=view.id, user=staff["bob"], body="   ")
    with pytest.raises(InvalidContent, match="has no photo 2"):
        add_comment(session=wf, draft_id=view.id, user=staff["bob"], body="?", about="photo:2")
    with pytest.raises(InvalidContent, match="are not in the text"):
        add_comment(session=wf, draft_id=view.id, user=staff["bob"], body="?", quote="zoo")
    with pytest.raises(Forbidden):  # another author may not even see it
        from secondlook.accounts.models import User

        other = User(id=999, username="zed", display_name="Zed", roles="author")
        add_comment(session=wf, draft_id=view.id, user=other, body="Nice")


def test_the_conversation_is_on_the_page_and_in_the_history(sqlite_db, staff, mengine,  # noqa: ANN001
                                                            blank_nlp, wf) -> None:  # noqa: ANN001
    view = _draft(wf, staff, mengine, photos=[photo()])
    drafts.submit(session=wf, draft_id=view.id, user=staff["alice"])
    wf.commit()
    app = make_app(sqlite_db, blank_nlp)
    bob, csrf = signed_in(app, sqlite_db, staff["bob"])
    page = bob.post(f"/drafts/{view.id}/comments", data={
        "csrf_token": csrf, "body": "Please name the farm.", "about": "text",
        "quote": "the farm"}, follow_redirects=True).text
    assert "Comment added to the conversation." in page
    assert re.search(r"<strong>Bob</strong> <span class=\"muted\">\(approver\)</span>", page)
    assert "<blockquote>the farm</blockquote>" in page and "Please name the farm." in page
    assert '<option value="photo:1">photo 1 (lamb0.png)</option>' in page
    alice, _ = signed_in(app, sqlite_db, staff["alice"])
    assert "Please name the farm." in alice.get(f"/drafts/{view.id}").text
    history = alice.get(f"/drafts/{view.id}/audit").text
    assert "Commented" in history and "“Please name the farm.”" in history
    assert "On the words “the farm”" in history
    bad = bob.post(f"/drafts/{view.id}/comments", data={"csrf_token": csrf, "body": ""})
    assert bad.status_code == 422 and "write something to comment" in bad.text


def test_the_author_deletes_a_draft_after_confirming(sqlite_db, staff, mengine, blank_nlp,  # noqa: ANN001
                                                     wf) -> None:  # noqa: ANN001
    view = _draft(wf, staff, mengine, photos=[photo((1, 2, 3))])
    add_comment(session=wf, draft_id=view.id, user=staff["bob"], body="Lovely")
    sha = view.images[0].sha256
    wf.commit()
    app = make_app(sqlite_db, blank_nlp)
    alice, csrf = signed_in(app, sqlite_db, staff["alice"])
    bob, bob_csrf = signed_in(app, sqlite_db, staff["bob"])
    assert f'href="/drafts/{view.id}/delete"' in alice.get(f"/drafts/{view.id}").text
    assert f'href="/drafts/{view.id}/delete"' not in bob.get(f"/drafts/{view.id}").text
    assert bob.post(f"/drafts/{view.id}/delete",
                    data={"csrf_token": bob_csrf, "confirm": "delete"}).status_code == 403
    confirm = alice.get(f"/drafts/{view.id}/delete").text
    assert f"Delete post {view.id}?" in confirm and "It cannot be undone" in confirm
    unconfirmed = alice.post(f"/drafts/{view.id}/delete", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "nothing was deleted" in unconfirmed.text
    done = alice.post(f"/drafts/{view.id}/delete", data={"csrf_token": csrf,
                                                          "confirm": "delete"},
                      follow_redirects=True)
    assert f"Post {view.id} was deleted. Its history stays in the audit log." in done.text
    gone = alice.get(f"/drafts/{view.id}")
    assert gone.status_code == 404 and "was deleted by its author" in gone.text
    with Session(sqlite_db) as s:
        assert s.get(ImageBlob, sha) is None  # the photo is gone with it
        assert s.exec(select(Revision).where(Revision.draft_id == view.id)).all() == []
        assert s.get(DraftRecord, view.id).state == "deleted"  # the id is never reused
        actions = [e.action for e in audit.history(session=s, draft_id=view.id)]
        assert actions == ["created", "commented", "deleted"]
        assert audit.verify(session=s).ok


def test_only_drafts_that_never_went_out_can_be_deleted(wf, staff, mengine) -> None:  # noqa: ANN001
    shared = photo((9, 9, 9))
    kept = _draft(wf, staff, mengine, photos=[shared])
    sent = _draft(wf, staff, mengine, text="Sent to Facebook", photos=[shared])
    wf.add(ChannelPost(draft_id=sent.id, revision=1, channel="facebook",
                       content_sha256=sent.content_sha256, state=PostState.IN_DOUBT))
    wf.flush()
    with pytest.raises(InvalidTransition, match="may have been\\) posted to Facebook"):
        delete_draft(session=wf, draft_id=sent.id, user=staff["alice"])
    with pytest.raises(Forbidden, match="only the author"):
        delete_draft(session=wf, draft_id=kept.id, user=staff["helen"])
    out = _draft(wf, staff, mengine, text="Released")
    drafts.submit(session=wf, draft_id=out.id, user=staff["alice"])
    drafts.approve(session=wf, draft_id=out.id, user=staff["bob"],
                   content_sha256=out.content_sha256)
    drafts.mark_released(session=wf, draft_id=out.id, user=staff["alice"])
    with pytest.raises(InvalidTransition, match="is released: a post that was released stays"):
        delete_draft(session=wf, draft_id=out.id, user=staff["alice"])
    drafts.submit(session=wf, draft_id=kept.id, user=staff["alice"])
    drafts.return_draft(session=wf, draft_id=kept.id, user=staff["bob"], reason="Not this week")
    delete_draft(session=wf, draft_id=kept.id, user=staff["alice"])
    reasons = wf.exec(select(Decision.reason).where(Decision.draft_id == kept.id)).all()
    assert reasons == ["Not this week"]  # the policy review still counts the return
    assert wf.get(ImageBlob, sent.images[0].sha256) is not None  # still used by the other
    with pytest.raises(NotFound, match="was deleted"):
        drafts.get_draft(session=wf, draft_id=kept.id, user=staff["alice"])
