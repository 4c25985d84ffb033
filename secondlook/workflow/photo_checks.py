"""Photo checks as a background job: saving a draft with photos stores its revision with
the text checked and a ``review`` finding per photo saying it is still being checked
(``checking.PHOTO_PENDING``), then defers one ``check_photos`` job per draft (a lock:
one at a time per draft). The job finds and matches the faces photo by photo, telling
the page how far it got ("3 of 10 photos checked"), and replaces the revision's report
with the complete one, once.

Fail closed: until the report is complete the draft cannot be submitted, approved,
signed off or released (``rules.require_photos_checked``). A job that fails (a crash,
or its worker killed after its last attempt) leaves a ``review`` finding on each photo
it did not check, saying so (``mark_failed``): never a silent pass.

Safe to run twice: the report is replaced with a compare-and-set on the pending report
the job read, so a job retried after its worker died, or a second one, stores the
findings once. The analysis of each photo is kept by the engine (``analysis_cache``),
so the final check of the whole draft does not detect anything again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, update

from consent_store.db import session_scope
from moderation.draft import Draft
from moderation.findings import Severity, verdict_of
from secondlook.jobs import JobQueue
from secondlook.jobs import progress as job_progress
from secondlook.workflow.checking import PHOTO_PENDING, CheckedContent, Checker
from secondlook.workflow.errors import NotFound
from secondlook.workflow.face_decisions import decisions_for
from secondlook.workflow.models import DraftState, Revision
from secondlook.workflow.revisions import advance, record
from secondlook.workflow.views import DraftView, load_view, moderation_draft

log = logging.getLogger(__name__)
TASK = "check_photos"
FAILED = "face.photo-check-failed"
# A draft edited again while its photos are checked: the job checks the newest revision
# next, at most this many in one run (a later one gets a job of its own).
ROUNDS = 5


def lock_for(draft_id: int) -> str:
    return f"photo-check-{draft_id}"


def defer_check(jobs: JobQueue, view: DraftView) -> int | None:
    """Queue the photo check of this draft if its current revision waits for one."""
    if not view.photos_unchecked:
        return None
    return jobs.defer(TASK, lock=lock_for(view.id), draft_id=view.id,
                      revision=view.revision.number)


@dataclass(frozen=True, slots=True)
class PhotoProgress:
    done: int
    total: int

    @property
    def text(self) -> str:
        return f"{self.done} of {self.total} photo{'s' if self.total != 1 else ''} checked"


def progress(db: DbEngine, jobs: JobQueue, view: DraftView) -> PhotoProgress | None:
    """How far the photo check of this draft has got; None: nothing to wait for (any more:
    the caller reloads the view). A job that failed marks the photos it did not check; a
    pending revision with no job waiting (the process that saved it died before deferring
    it, or saved it as the last job ended) gets one."""
    if not view.photos_unchecked:
        return None
    job = job_progress.latest(db, lock_for(view.id))
    if job is not None and job.state == "failed" and \
            job.args.get("revision") == view.revision.number:
        mark_failed(db, view.id, view.revision.id, view.revision.report_json,
                    job.error or "the job failed")
        return None
    if job is None or job.finished:
        job_id = defer_check(jobs, view)
        job = jobs.get(job_id) if job_id is not None else None
        if job is not None and job.finished:  # run at once (jobs_run = inline)
            return None
    total = len(view.images)
    done = job.done if job is not None and job.total == total else 0
    return PhotoProgress(min(done, total), total)


def check_photos(*, db: DbEngine, checker: Checker, draft_id: int) -> None:
    """The job: check the faces of the draft's current revision if it waits for that."""
    checker = checker.now()
    for _ in range(ROUNDS):
        with Session(db) as s:
            try:
                view = load_view(s, draft_id)
            except NotFound:
                return  # deleted meanwhile: nothing to check
            if not view.photos_unchecked:
                return
            draft = moderation_draft(s, view)
            revision_id, pending = view.revision.id, view.revision.report_json
        try:
            _complete(db, draft_id, revision_id, pending, _check(db, checker, draft_id, draft))
        except Exception as exc:
            mark_failed(db, draft_id, revision_id, pending, str(exc) or type(exc).__name__)
            raise


def _check(db: DbEngine, checker: Checker, draft_id: int, draft: Draft) -> CheckedContent:
    total = len(draft.images)
    job_progress.report_progress(0, total)
    with Session(db) as s:
        for n, image in enumerate(draft.images):
            # One photo at a time, so the page can count them; the engine keeps what each
            # photo's analysis found, and the whole draft's check below reuses it.
            checker.analyse_photo(s, image, draft.channels)
            job_progress.report_progress(n + 1, total)
        decisions = decisions_for(s, draft_id, (img.sha256 for img in draft.images))
        return checker.run(s, draft, None, decisions)


def _store(s: Session, revision_id: int | None, pending: str, values: dict[str, Any]) -> bool:
    """Compare-and-set: replace the report only if it is still the pending one read."""
    done = s.exec(update(Revision)  # type: ignore[call-overload]
                  .where(col(Revision.id) == revision_id, col(Revision.report_json) == pending)
                  .values(**values).execution_options(synchronize_session=False))
    return bool(done.rowcount == 1)


def _complete(db: DbEngine, draft_id: int, revision_id: int | None, pending: str,
              checked: CheckedContent) -> None:
    verdict = str(checked.report.verdict)
    with session_scope(db) as s:
        if not _store(s, revision_id, pending, {
                "report_json": checked.report_json, "verdict": verdict,
                "safeguarding": checked.safeguarding,
                "register_version": checked.register_version}):
            return  # another run stored it already: the findings once
        view = load_view(s, draft_id)
        if view.revision.id != revision_id:
            return
        if view.draft.state == DraftState.SUBMITTED and verdict == "block":
            advance(s, view, DraftState.DRAFT)  # nobody may approve it: back to the author
            view = load_view(s, draft_id)
        record(s, view, None, "photos checked", verdict=verdict, images=len(view.images),
               to=str(view.draft.state))


def mark_failed(db: DbEngine, draft_id: int, revision_id: int | None, pending: str,
                reason: str) -> None:
    """Each photo still waiting gets a ``review`` finding saying its check did not finish."""
    body = json.loads(pending)
    findings = [_failed(f, reason) if f.get("rule") == PHOTO_PENDING else f
                for f in body.get("findings", [])]
    body["findings"] = findings
    verdict = str(verdict_of([Severity(f["severity"]) for f in findings]))
    body["verdict"] = verdict
    with session_scope(db) as s:
        if _store(s, revision_id, pending, {
                "report_json": json.dumps(body, ensure_ascii=False, sort_keys=True),
                "verdict": verdict}):
            view = load_view(s, draft_id)
            if view.revision.id == revision_id:
                record(s, view, None, "photo check failed", verdict=verdict,
                       reason=reason[:300])
            log.warning("photo check of draft %s failed: %s", draft_id, reason)


def _failed(finding: dict[str, Any], reason: str) -> dict[str, Any]:
    n = finding.get("image")
    label = f"Photo {n + 1}" if isinstance(n, int) else "A photo"
    return {**finding, "rule": FAILED, "severity": "review",
            "message": (f"{label} could not be checked: the photo check stopped ({reason}). "
                        "Nothing about the faces in it has been ruled out."),
            "suggestion": "Re-check the draft to try again, or ask the headteacher to "
                          "review it; tell the administrator."}
