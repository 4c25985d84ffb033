"""Release as a background job: "Release now" checks at once what it can without sending
(who may, the draft's state, its approvals) and queues the job; the page and the API
follow it (``release_progress``). The release service's guarantees hold as before: the
job runs ``service.release_draft`` (one claim, each channel at most once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.channels import label
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.jobs import JobInfo, JobQueue
from secondlook.release.status import ChannelStatus
from secondlook.workflow import rules
from secondlook.workflow.models import DraftState
from secondlook.workflow.views import load_view

TASK = "release_draft"


def lock_for(draft_id: int) -> str:
    return f"release-draft-{draft_id}"


def queue_release(*, db: DbEngine, jobs: JobQueue, draft_id: int, user: User) -> int:
    """The job releasing ``draft_id`` (a waiting one is reused: one release at a time)."""
    with Session(db) as s:
        rules.can_release(user, load_view(s, draft_id), {DraftState.APPROVED})
    assert user.id is not None
    return jobs.defer(TASK, lock=lock_for(draft_id), draft_id=draft_id, user_id=user.id)


def release_job(jobs: JobQueue, job_id: int, draft_id: int) -> JobInfo | None:
    """The release job ``job_id`` of this draft (None for any other job)."""
    job = jobs.get(job_id)
    if job is None or job.task not in (TASK, "retry_release") or \
            job.args.get("draft_id") != draft_id:
        return None
    return job


@dataclass(frozen=True, slots=True)
class Progress:
    running: bool  # the page refreshes itself while true
    text: str  # one line on what the release is doing now
    failed: str = ""  # why the job stopped, if it did


def _waiting(st: ChannelStatus, now: datetime) -> str:
    assert st.retry_at is not None
    seconds = max(0, round((st.retry_at - now).total_seconds()))
    name = label(st.channel)
    asked = f" as {name} asked (rate limit)" if "rate limit" in st.error.lower() else ""
    return f"waiting {seconds} s{asked} before trying {name} again"


def release_progress(job: JobInfo | None, statuses: list[ChannelStatus], draft_state: str,
                     now: datetime | None = None) -> Progress:
    """What the release is doing, channel by channel: "sending to Facebook…, waiting 30 s
    before trying X (Twitter) again…"; ``running`` while the job or a channel's next try
    is still to come."""
    now = now or utcnow()
    parts = []
    for st in statuses:
        if st.state == "sending":
            parts.append(f"sending to {label(st.channel)}…")
        elif st.state == "failed" and st.retry_at is not None and st.retry_at > now:
            parts.append(_waiting(st, now) + "…")
        elif st.state == "posted":
            parts.append(f"{label(st.channel)}: sent")
    job_running = job is not None and not job.finished
    # Still to come: a send under way, or a channel's next try (Class Dojo waiting for its
    # pasted link keeps a draft "releasing" too, but that waits for a person, not for us).
    releasing = draft_state == DraftState.RELEASING
    to_come = any(st.state == "sending" or (st.state == "pending" and releasing) or
                  (st.state == "failed" and st.retry_at is not None) for st in statuses)
    job_failed = job is not None and job.state == "failed"
    running = job_running or (to_come and not job_failed and (
        releasing or (job is not None and draft_state == DraftState.APPROVED)))
    if job is not None and job.state == "todo" and not parts:
        parts.append("waiting for a job worker to start the release…")
    elif job_running and not parts:
        parts.append("starting the release…")
    failed = job.error if job is not None and job.state == "failed" else ""
    return Progress(running, ", ".join(parts), failed)
