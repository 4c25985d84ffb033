"""Each queue shows its user exactly the drafts they may act on, with age and verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secondlook.workflow import drafts, queues
from secondlook.workflow.errors import Forbidden

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine


def _submit(wf, staff, mengine, text, author="alice"):  # noqa: ANN001
    view = drafts.create_draft(session=wf, author=staff[author], text=text, checker=mengine)
    return drafts.submit(session=wf, draft_id=view.id, user=staff[author])


def ids(items) -> list[int]:  # noqa: ANN001
    return [i.draft_id for i in items]


def test_awaiting_my_approval_leaves_out_my_own_and_what_i_edited(wf, staff, mengine) -> None:
    mine = _submit(wf, staff, mengine, "Carol's post", author="carol")
    edited = _submit(wf, staff, mengine, "Alice's first")
    drafts.revise(session=wf, draft_id=edited.id, user=staff["carol"], checker=mengine,
                  text="Alice's first, tidied by Carol")
    plain = _submit(wf, staff, mengine, "Alice's second")
    drafts.create_draft(session=wf, author=staff["alice"], text="not submitted", checker=mengine)
    assert ids(queues.awaiting_approval(session=wf, user=staff["carol"])) == [plain.id]
    assert ids(queues.awaiting_approval(session=wf, user=staff["bob"])) == [
        mine.id, edited.id, plain.id]
    drafts.approve(session=wf, draft_id=plain.id, user=staff["bob"],
                   content_sha256=plain.content_sha256)
    assert plain.id not in ids(queues.awaiting_approval(session=wf, user=staff["helen"]))


def test_queue_items_show_verdict_age_and_title(wf, staff, mengine) -> None:
    _submit(wf, staff, mengine, "The councillor [review] said " + "very " * 30 + "much")
    item = queues.awaiting_approval(session=wf, user=staff["bob"])[0]
    assert item.verdict == "review" and item.author == "Alice"
    assert item.title.endswith("…") and len(item.title) == queues.TITLE_CHARS
    later = item.submitted_at + timedelta(hours=3)
    assert item.age(later) == timedelta(hours=3)
    assert item.to_dict()["verdict"] == "review"


def test_flagged_for_review_splits_headteacher_and_dsl(wf, staff, mengine) -> None:
    _submit(wf, staff, mengine, "All fine")
    review = _submit(wf, staff, mengine, "The councillor [review] lied")
    safe = _submit(wf, staff, mengine, "Trip to [safeguarding] the farm")
    assert ids(queues.flagged_for_review(session=wf, user=staff["helen"])) == [
        review.id, safe.id]
    assert ids(queues.flagged_for_review(session=wf, user=staff["dora"])) == [safe.id]
    drafts.sign_off(session=wf, draft_id=safe.id, user=staff["dora"],
                    content_sha256=safe.content_sha256, reason="Farm is not identifiable")
    assert ids(queues.flagged_for_review(session=wf, user=staff["helen"])) == [review.id]
    with pytest.raises(Forbidden, match="headteacher or dsl"):
        queues.flagged_for_review(session=wf, user=staff["bob"])


def test_my_drafts_lists_everything_i_wrote_newest_first(wf, staff, mengine) -> None:
    first = _submit(wf, staff, mengine, "First")
    second = drafts.create_draft(session=wf, author=staff["alice"], text="Second [block]",
                                 checker=mengine)
    _submit(wf, staff, mengine, "Carol's", author="carol")
    items = queues.my_drafts(session=wf, user=staff["alice"])
    assert ids(items) == [second.id, first.id]
    assert [(i.state, i.verdict) for i in items] == [("draft", "block"), ("submitted", "pass")]
    with pytest.raises(Forbidden, match="approver role"):
        queues.awaiting_approval(session=wf, user=staff["alice"])
