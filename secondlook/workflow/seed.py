"""Many drafts quickly, for benchmarks and demo data, through the real services.

Going through ``create_draft`` and ``submit`` (not raw INSERTs) keeps the audit
chain valid and the rows exactly as the app makes them. The checks are replaced
by a cheap stand-in that flags every ``review_every``-th draft for review, so
no language model is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from moderation.findings import Finding, Severity, Span
from moderation.pipeline import CheckContext, Engine
from secondlook.accounts.models import User
from secondlook.workflow import drafts

REVIEW_MARK = "(needs a second look)"
TOPICS = ("sports day", "the harvest festival", "the Year 5 trip", "our reading week",
          "the science fair", "the winter concert", "the new library", "charity bake sale")


class SeedCheck:
    """Stands in for the real checks: flags the marked drafts, passes the rest."""

    name = "tone"

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        start = ctx.draft.text.find(REVIEW_MARK)
        if start >= 0:
            yield Finding(check=self.name, severity=Severity.REVIEW, rule="seed.review",
                          message="Demo finding: a colleague should read this closely.",
                          policy="", suggestion="Sign off with a reason, or return it.",
                          span=Span(start, start + len(REVIEW_MARK), REVIEW_MARK))


def seed_engine() -> Engine:
    return Engine(checks=[SeedCheck()])  # the model is never loaded: no check parses text


def seed_drafts(*, session: Session, author: User, count: int, submit: bool = True,
                review_every: int = 5, engine: Engine | None = None) -> list[int]:
    """Create ``count`` drafts by ``author`` (submitted unless told otherwise); their ids."""
    engine = engine or seed_engine()
    made = []
    for n in range(count):
        topic = TOPICS[n % len(TOPICS)]
        text = f"Thank you to everyone who came to {topic}! Post {n + 1}."
        if review_every and n % review_every == review_every - 1:
            text += f" {REVIEW_MARK}"
        view = drafts.create_draft(session=session, author=author, text=text, engine=engine,
                                   channels=["facebook", "classdojo"])
        if submit:
            drafts.submit(session=session, draft_id=view.id, user=author)
        made.append(view.id)
    return made
