"""Checking drafts against the register as stored, and the report kept with a revision."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft
from moderation.face_decisions import FaceDecision
from moderation.pipeline import Engine, check
from moderation.report import Report
from secondlook.workflow.snapshots import current_snapshot

SAFEGUARDING = "safeguarding"


@dataclass(frozen=True, slots=True)
class CheckedContent:
    report: Report
    report_json: str
    safeguarding: bool
    register_version: str


def report_json(report: Report) -> str:
    """The report as the API shows it, plus each finding's tags (the DSL queue needs them)."""
    body = report.to_dict()
    for finding, out in zip(report.findings, body["findings"], strict=True):
        out["tags"] = list(finding.tags)
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Checker:
    """What checking a draft needs from the edge, built there once: the moderation engine
    (models, rules, options) and the data key that opens the register's face templates."""

    engine: Engine
    key: bytes

    def snapshot(self, session: Session, today: date | None = None) -> RegisterSnapshot:
        return current_snapshot(session, today, key=self.key)

    def run(self, session: Session, draft: Draft, today: date | None = None,
            face_decisions: Mapping[str, Sequence[FaceDecision]] | None = None
            ) -> CheckedContent:
        """Check ``draft`` against today's register as stored in the database, with what
        people decided about its faces (by photo SHA-256)."""
        register = self.snapshot(session, today)
        report = check(draft, register, self.engine, face_decisions=face_decisions)
        return CheckedContent(
            report=report,
            report_json=report_json(report),
            safeguarding=any(SAFEGUARDING in f.tags for f in report.findings),
            register_version=register.version,
        )
