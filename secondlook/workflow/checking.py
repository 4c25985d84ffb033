"""Checking drafts against the register as stored, and the report kept with a revision."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft, DraftImage, photo_label
from moderation.face_decisions import FaceDecision
from moderation.findings import Finding, Severity
from moderation.pipeline import Engine, check, crash_finding
from moderation.report import Report
from secondlook.workflow.snapshots import current_snapshot

log = logging.getLogger(__name__)
SAFEGUARDING = "safeguarding"
# A photo whose faces a background job has still to check (``photo_checks``): a review
# finding, so a report that has not looked at the faces can never pass.
PHOTO_PENDING = "face.photo-not-checked-yet"
# Checks that look at faces; left to the photo-check job when the request defers them.
FACE_CHECKS = frozenset({"face"})
PHOTO_CHECKS = frozenset({"image", "face"})  # all a photo's own analysis needs


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
    #: leave the faces to a background job (``photo_checks``): the report then holds a
    #: review finding per photo saying it is still being checked
    photos_later: bool = False

    def later(self) -> Checker:
        """This checker, leaving the photos' faces to the photo-check job."""
        return dataclasses.replace(self, photos_later=True)

    def now(self) -> Checker:
        return dataclasses.replace(self, photos_later=False)

    def analyse_photo(self, session: Session, image: DraftImage,
                      channels: tuple[str, ...]) -> None:
        """Find (and encode) the faces of one photo, for the engine to keep; only the
        photo's own checks run, and their findings are not wanted here."""
        skip = frozenset(c.name for c in self.engine.get_checks()) - PHOTO_CHECKS
        check(Draft(text="", images=(image,), channels=channels), self.snapshot(session),
              self.engine, skip=skip)

    def snapshot(self, session: Session, today: date | None = None) -> RegisterSnapshot:
        return current_snapshot(session, today, key=self.key)

    def for_school(self, session: Session, report: Report) -> Report:
        """The engine's report with the current school's rule settings (severities, rules
        turned off, sections: ``secondlook.rule_settings``). Settings that cannot be read
        leave the report as it is plus a review finding: fail closed."""
        from moderation.rule_settings import apply, changed
        from secondlook.rule_settings import rules_in_force

        try:
            settings = changed(rules_in_force(session, self.engine.rules()))
        except Exception as exc:  # noqa: BLE001 - fail closed, say why
            log.exception("the school's rule settings could not be read")
            failed = crash_finding("policy", exc)
            return dataclasses.replace(report, findings=(*report.findings, failed))
        return apply(report, settings)

    def run(self, session: Session, draft: Draft, today: date | None = None,
            face_decisions: Mapping[str, Sequence[FaceDecision]] | None = None
            ) -> CheckedContent:
        """Check ``draft`` against today's register as stored in the database, with what
        people decided about its faces (by photo SHA-256)."""
        register = self.snapshot(session, today)
        if self.photos_later and draft.images:
            report = check(draft, register, self.engine, face_decisions=face_decisions,
                           skip=FACE_CHECKS)
            report = dataclasses.replace(report, findings=tuple(sorted(
                (*report.findings, *pending_findings(draft)), key=Finding.sort_key)))
        else:
            report = check(draft, register, self.engine, face_decisions=face_decisions)
        report = self.for_school(session, report)
        return CheckedContent(
            report=report,
            report_json=report_json(report),
            safeguarding=any(SAFEGUARDING in f.tags for f in report.findings),
            register_version=register.version,
        )


def pending_findings(draft: Draft) -> list[Finding]:
    return [Finding(
        check="face", severity=Severity.REVIEW, rule=PHOTO_PENDING,
        message=(f"{_upper(photo_label(n, img.name))} is still being checked: its faces "
                 "have not been matched against the consent register yet."),
        policy="", image=n,
        suggestion="Wait a moment: this page updates when the photo check finishes. The "
                   "draft cannot be submitted, approved or released until then.")
        for n, img in enumerate(draft.images)]


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]
