"""Many drafts quickly, for benchmarks and demo data.

The rows are the ones ``create_draft`` and ``submit`` make (same content hash,
report JSON with tags, register version, chained audit entries), written in
batches: a thousand drafts take 1-2 seconds instead of half a minute. The
checks are replaced by a cheap stand-in that flags every ``review_every``-th
draft for review, so no language model is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from consent_store.models import utcnow
from consent_store.snapshot import RegisterSnapshot
from moderation.checks.base import CheckContext
from moderation.draft import Draft
from moderation.findings import Finding, Severity, Span
from moderation.pipeline import Engine, check
from secondlook.accounts.models import Role, User
from secondlook.workflow import audit, rules
from secondlook.workflow.checking import SAFEGUARDING, report_json
from secondlook.workflow.models import DraftRecord, DraftState, Revision
from secondlook.workflow.snapshots import stored_snapshot

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


def _text(n: int, review_every: int) -> str:
    text = f"Thank you to everyone who came to {TOPICS[n % len(TOPICS)]}! Post {n + 1}."
    if review_every and n % review_every == review_every - 1:
        text += f" {REVIEW_MARK}"
    return text


def _revision(draft_id: int, n: int, author_id: int, register: RegisterSnapshot,
              engine: Engine, review_every: int) -> Revision:
    draft = Draft.create(_text(n, review_every), [], ["facebook", "classdojo"])
    report = check(draft, register, engine)
    return Revision(
        draft_id=draft_id, number=1, text=draft.text, channels=";".join(draft.channels),
        content_sha256=draft.content_sha256(), verdict=str(report.verdict),
        safeguarding=any(SAFEGUARDING in f.tags for f in report.findings),
        report_json=report_json(report), register_version=register.version,
        edited_by_id=author_id)


def _events(revisions: list[Revision], submit: bool) -> list[audit.Event]:
    events = []
    for r in revisions:
        channels = r.channels.split(";")
        events.append(audit.Event("created", r.draft_id, 1, r.content_sha256,
                                  {"verdict": r.verdict, "channels": channels, "images": 0}))
        if submit:
            events.append(audit.Event("submitted", r.draft_id, 1, r.content_sha256,
                                      {"verdict": r.verdict, "to": "submitted"}))
    return events


def seed_drafts(*, session: Session, author: User, count: int, submit: bool = True,
                review_every: int = 5, engine: Engine | None = None) -> list[int]:
    """Create ``count`` drafts by ``author`` (submitted unless told otherwise); their ids."""
    rules.require_role(author, Role.AUTHOR)
    assert author.id is not None
    engine = engine or seed_engine()
    register = stored_snapshot(session, key=None)  # the stand-in check looks at no faces
    now = utcnow()
    state = DraftState.SUBMITTED if submit else DraftState.DRAFT
    records = [DraftRecord(author_id=author.id, state=state, created_at=now, updated_at=now,
                           submitted_at=now if submit else None) for _ in range(count)]
    session.add_all(records)
    session.flush()
    ids = [r.id for r in records if r.id is not None]
    revisions = [_revision(draft_id, n, author.id, register, engine, review_every)
                 for n, draft_id in enumerate(ids)]
    session.add_all(revisions)
    audit.append_many(session=session, actor=author, events=_events(revisions, submit))
    return ids
