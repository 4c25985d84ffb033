"""The seeding function makes real, queue-visible drafts with a valid audit chain."""

from __future__ import annotations

from secondlook.workflow import audit, queues
from secondlook.workflow.seed import seed_drafts

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine


def test_seeded_drafts_fill_the_queues(wf, staff) -> None:
    made = seed_drafts(session=wf, author=staff["alice"], count=10)
    waiting = queues.awaiting_approval(session=wf, user=staff["bob"])
    assert [i.draft_id for i in waiting] == made
    assert [i.verdict for i in waiting].count("review") == 2
    assert len(queues.flagged_for_review(session=wf, user=staff["helen"])) == 2
    assert audit.verify(session=wf).entries == 20
