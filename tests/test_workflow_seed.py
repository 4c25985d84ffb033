"""The seeding function makes drafts the services treat as their own, with a valid audit chain."""

from __future__ import annotations

from moderation.draft import Draft
from secondlook.workflow import audit, drafts, queues
from secondlook.workflow.models import DraftState
from secondlook.workflow.seed import seed_drafts

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine


def test_seeded_drafts_fill_the_queues_and_can_be_approved(wf, staff) -> None:
    made = seed_drafts(session=wf, author=staff["alice"], count=10)
    waiting = queues.awaiting_approval(session=wf, user=staff["bob"])
    assert [i.draft_id for i in waiting] == made
    assert [i.verdict for i in waiting].count("review") == 2
    assert len(queues.flagged_for_review(session=wf, user=staff["helen"])) == 2
    first = waiting[0]
    assert first.content_sha256 == Draft.create(
        "Thank you to everyone who came to sports day! Post 1.", [],
        ["facebook", "classdojo"]).content_sha256()
    view = drafts.approve(session=wf, draft_id=first.draft_id, user=staff["bob"],
                          content_sha256=first.content_sha256)
    assert view.draft.state == DraftState.APPROVED
    result = audit.verify(session=wf)
    assert result.ok and result.entries == 21  # created + submitted per draft, then approved


def test_unsubmitted_seeds_are_the_authors_drafts(wf, staff) -> None:
    made = seed_drafts(session=wf, author=staff["carol"], count=3, submit=False)
    mine = queues.my_drafts(session=wf, user=staff["carol"])
    assert sorted(i.draft_id for i in mine) == made and {i.state for i in mine} == {"draft"}
