"""Running the checks when a revision is created, and storing the report with tags."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session

from moderation.draft import Draft
from moderation.findings import Finding
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


def _with_upload_gps(report: Report, draft: Draft, removed: Sequence[Sequence[str]]) -> Report:
    """The checks see the stored, metadata-free copy; a GPS position in the upload is still
    worth telling the author (info), as the CLI does for the file it is given."""
    from moderation.checks.image import gps_finding, photo_label

    flagged = {f.image for f in report.findings if f.rule == "image.gps-location"}
    extra = [gps_finding(i, photo_label(i, draft.images[i].name))
             for i, stripped in enumerate(removed)
             if "GPSInfo" in stripped and i not in flagged and i < len(draft.images)]
    if not extra:
        return report
    findings = tuple(sorted((*report.findings, *extra), key=Finding.sort_key))
    return replace(report, findings=findings)


def run_checks(
    *, session: Session, draft: Draft, engine: Engine, today: date | None = None,
    removed: Sequence[Sequence[str]] = (),
) -> CheckedContent:
    """Check ``draft`` against today's register as stored in the database."""
    register = current_snapshot(session, today)
    report = _with_upload_gps(check(draft, register, engine), draft, removed)
    return CheckedContent(
        report=report,
        report_json=report_json(report, removed),
        safeguarding=any(SAFEGUARDING in f.tags for f in report.findings),
        register_version=register.version,
    )
