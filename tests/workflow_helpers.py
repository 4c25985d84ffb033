"""Helpers for the workflow tests: staff accounts and a check that obeys markers.

``MarkerCheck`` stands in for the real checks so a test can ask for a verdict:
"[review]" in the text makes a review finding, "[block]" a block finding,
"[safeguarding]" a review finding tagged safeguarding.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from moderation.findings import Finding, Severity, Span
from moderation.pipeline import CheckContext, Engine
from secondlook.accounts.models import User

STAFF = {
    "alice": "author",
    "bob": "approver",
    "carol": "approver;author",
    "helen": "headteacher;approver",
    "dora": "dsl",
    "adam": "admin",
}


class MarkerCheck:
    name = "tone"

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        for marker, severity, tags in (("[review]", Severity.REVIEW, ()),
                                       ("[block]", Severity.BLOCK, ()),
                                       ("[safeguarding]", Severity.REVIEW, ("safeguarding",))):
            start = ctx.draft.text.find(marker)
            if start >= 0:
                yield Finding(check=self.name, severity=severity, rule=f"test.{marker[1:-1]}",
                              message=f"marker {marker}", policy="", suggestion="remove it",
                              span=Span(start, start + len(marker), marker), tags=tags)


def marker_engine(nlp) -> Engine:  # noqa: ANN001
    return Engine(nlp=nlp, checks=[MarkerCheck()])


def add_staff(db: DbEngine) -> dict[str, User]:
    with Session(db, expire_on_commit=False) as s:
        users = {name: User(username=name, display_name=name.title(), roles=roles)
                 for name, roles in STAFF.items()}
        s.add_all(users.values())
        s.commit()
    return users
