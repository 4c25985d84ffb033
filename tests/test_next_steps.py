"""One status line derived from the state, and one list per person in which each post appears
once with the next step named; an author who approves never returns her own post; posts
whose approval expired have a queue of their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent_store.models import utcnow
from secondlook.workflow import drafts, queues, rules
from secondlook.workflow.errors import Forbidden
from secondlook.workflow.expiry import expire_approvals
from secondlook.workflow.views import draft_status, load_view
from tests.web_support import make_app, signed_in

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff (helen: headteacher + approver)


def _submitted(wf, staff, mengine, text: str, author: str = "alice"):  # noqa: ANN001, ANN202
    view = drafts.create_draft(session=wf, author=staff[author], text=text, checker=mengine)
    return drafts.submit(session=wf, draft_id=view.id, user=staff[author])


@pytest.mark.parametrize(("state", "verdict", "approved", "signed", "expected"), [
    ("submitted", "review", False, False,
     "Waiting for a colleague's approval and the headteacher's sign-off"),
    ("submitted", "review", True, False, "Approved; waiting for the headteacher's sign-off"),
    ("submitted", "review", False, True, "Signed off; waiting for a colleague's approval"),
    ("approved", "review", True, True, "Approved and signed off: ready to release"),
    ("approved", "pass", True, False, "Approved: ready to release"),
    ("draft", "block", False, False, "Draft: change what the checks marked before submitting"),
    ("released", "review", True, True, "Released"),
])
def test_the_status_line_follows_the_state(state, verdict, approved, signed,  # noqa: ANN001
                                           expected) -> None:
    status = draft_status(state=state, verdict=verdict, approved=approved, signed_off=signed)
    assert status.text == expected


def test_a_signed_off_and_approved_post_no_longer_asks_for_a_sign_off(
        wf, staff, mengine, sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    view = _submitted(wf, staff, mengine, "The councillor [review] spoke")
    drafts.sign_off(session=wf, draft_id=view.id, user=staff["helen"],
                    content_sha256=view.content_sha256, reason="On the public record, fine")
    drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                   content_sha256=view.content_sha256)
    wf.commit()
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["alice"])
    page = client.get(f"/drafts/{view.id}").text
    assert "Approved and signed off: ready to release" in page
    assert "Flagged, and signed off by Helen" in page
    assert "needs the headteacher" not in page and "must sign it off" not in page


def test_approver_and_headteacher_sees_a_flagged_post_once_with_one_button(
        wf, staff, mengine, sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    flagged = _submitted(wf, staff, mengine, "The councillor [review] spoke")
    plain = _submitted(wf, staff, mengine, "Harvest festival")
    work = queues.my_work(session=wf, user=staff["helen"])
    assert [(i.draft_id, i.next_action) for i in work.todo] == [
        (flagged.id, "Sign off"), (plain.id, "Approve")]
    wf.commit()
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["helen"])
    api = client.get("/api/queues/work").json()  # the same list for scripts
    assert [(i["id"], i["next_action"]) for i in api] == [(flagged.id, "Sign off"),
                                                          (plain.id, "Approve")]
    assert api[0]["status"] == "Waiting for a colleague's approval and the headteacher's sign-off"
    start = client.get("/").text
    assert start.count(f'href="/drafts/{flagged.id}"') == 2  # its title and its one button
    page = client.get(f"/drafts/{flagged.id}").text
    assert page.count('class="good big"') == 1 and ">Sign off</button>" in page
    assert "Approve it as a colleague instead" in page  # still possible, not a second button


def test_my_work_names_the_authors_own_steps(wf, staff, mengine) -> None:  # noqa: ANN001
    blocked = drafts.create_draft(session=wf, author=staff["alice"], text="x [block]",
                                  checker=mengine)
    ready = drafts.create_draft(session=wf, author=staff["alice"], text="Fine", checker=mengine)
    waiting = _submitted(wf, staff, mengine, "Sent off")
    work = queues.my_work(session=wf, user=staff["alice"])
    assert {i.draft_id: i.next_action for i in work.todo} == {
        blocked.id: "Change what the checks marked", ready.id: "Submit for approval"}
    assert [i.draft_id for i in work.mine] == [waiting.id]
    assert work.mine[0].status.text == "Waiting for a colleague's approval"


def test_an_author_who_also_approves_is_not_offered_returning_her_own_post(
        wf, staff, mengine) -> None:  # noqa: ANN001
    view = _submitted(wf, staff, mengine, "Carol's own news", author="carol")
    assert "return" not in rules.allowed_actions(staff["carol"], view)
    with pytest.raises(Forbidden, match="your own"):
        drafts.return_draft(session=wf, draft_id=view.id, user=staff["carol"],
                            reason="I changed my mind")
    assert "return" in rules.allowed_actions(staff["bob"], view)


def test_an_expired_approval_has_its_queue_and_says_so(wf, staff, mengine, sqlite_db,  # noqa: ANN001
                                                       blank_nlp) -> None:  # noqa: ANN001
    old = _submitted(wf, staff, mengine, "Sports day photos")
    fresh = _submitted(wf, staff, mengine, "Book fair")
    for view in (old, fresh):
        drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                       content_sha256=view.content_sha256)
    expire_approvals(session=wf, max_age=timedelta(days=30), now=utcnow() + timedelta(days=31),
                     draft_id=old.id)
    assert [i.draft_id for i in queues.approval_expired(session=wf, user=staff["alice"])] == [
        old.id]
    assert queues.approval_expired(session=wf, user=staff["carol"])[0].expired
    assert load_view(wf, old.id).status.key == "expired"
    todo = queues.my_work(session=wf, user=staff["carol"]).todo
    assert [(i.draft_id, i.next_action) for i in todo] == [(old.id, "Approve again")]
    wf.commit()
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["bob"])
    page = client.get("/queues/approval-expired").text
    assert "Sports day photos" in page and "Book fair" not in page
    assert "its approval expired: a colleague must approve it again" in page
    assert "1 post whose approval expired" in client.get("/").text
    drafts.return_draft(session=wf, draft_id=old.id, user=staff["carol"], reason="needs a fix")
    assert queues.approval_expired(session=wf, user=staff["alice"]) == []  # a return ends it


def test_a_return_of_another_post_does_not_end_an_expired_approval(
        wf, staff, mengine) -> None:  # noqa: ANN001
    """Only a return of the post itself ends its 'approval expired' state: the school scope
    once turned the nested question into 'any later return at this school', so a colleague
    returning some other post hid every expired approval from its queue."""
    old = _submitted(wf, staff, mengine, "Sports day photos")
    drafts.approve(session=wf, draft_id=old.id, user=staff["bob"],
                   content_sha256=old.content_sha256)
    expire_approvals(session=wf, max_age=timedelta(days=30), now=utcnow() + timedelta(days=31),
                     draft_id=old.id)
    other = _submitted(wf, staff, mengine, "Book fair")
    drafts.return_draft(session=wf, draft_id=other.id, user=staff["carol"],
                        reason="a typo in the title")
    assert [i.draft_id for i in queues.approval_expired(session=wf, user=staff["alice"])] == [
        old.id]
    assert load_view(wf, old.id).status.key == "expired"
    todo = queues.my_work(session=wf, user=staff["carol"]).todo
    assert (old.id, "Approve again") in [(i.draft_id, i.next_action) for i in todo]
