"""Running the checks when a revision is created, and storing the report with tags."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from moderation.draft import Draft
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


def report_json(report: Report, removed: Sequence[Sequence[str]] = ()) -> str:
    """The report as the API shows it, plus each finding's tags (the DSL queue needs them).

    ``removed`` is what re-encoding each upload stripped: the checks only ever see
    the clean copy, so its own ``metadata_removed`` would otherwise be empty.
    """
    body = report.to_dict()
    for finding, out in zip(report.findings, body["findings"], strict=True):
        out["tags"] = list(finding.tags)
    for image in body["images"]:
        if image["index"] < len(removed):
            image["metadata_removed"] = sorted({*image["metadata_removed"],
                                                *removed[image["index"]]})
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def run_checks(
    *, session: Session, draft: Draft, engine: Engine, today: date | None = None,
    removed: Sequence[Sequence[str]] = (),
) -> CheckedContent:
    """Check ``draft`` against today's register as stored in the database."""
    register = current_snapshot(session, today)
    report = check(draft, register, engine)
    return CheckedContent(
        report=report,
        report_json=report_json(report, removed),
        safeguarding=any(SAFEGUARDING in f.tags for f in report.findings),
        register_version=register.version,
    )
