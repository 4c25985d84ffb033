"""The jobs Second Look runs in the background. Each takes the ``JobContext`` and JSON
arguments, and must be safe to run again after its worker died (see ``running``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from secondlook.jobs import JobContext
from secondlook.workflow.errors import InvalidTransition
from secondlook.workflow.models import DraftState

log = logging.getLogger(__name__)


def release_draft(context: JobContext, *, draft_id: int, user_id: int) -> None:
    """Release an approved draft to its channels, as ``user_id`` asked. Run again after a
    kill, it first recovers what the dead worker left (``recovery``: a post that may be
    online is in doubt and never sent again), then releases what is still to send."""
    from secondlook.accounts.models import User
    from secondlook.release.recovery import recover
    from secondlook.release.service import release_draft as release
    from secondlook.workflow.models import DraftRecord

    recover(db=context.db)
    with Session(context.db, expire_on_commit=False) as s:
        user = s.get(User, user_id)
        draft = s.get(DraftRecord, draft_id)
        if user is None:
            raise ValueError(f"release of draft {draft_id}: user {user_id} no longer exists")
        if draft is not None and draft.state == DraftState.RELEASED:
            return  # a run before the kill finished it
        s.expunge(user)
    try:
        release(db=context.db, draft_id=draft_id, user=user, settings=context.settings,
                checker=context.checker)
    except InvalidTransition:
        if _state(context, draft_id) in (DraftState.RELEASING, DraftState.RELEASED):
            return  # another release (a second press, another server) has it: not twice
        raise
    _next_try(context, draft_id, user_id)


def _state(context: JobContext, draft_id: int) -> str | None:
    from secondlook.workflow.models import DraftRecord

    with Session(context.db) as s:
        draft = s.get(DraftRecord, draft_id)
        return draft.state if draft is not None else None


def _next_try(context: JobContext, draft_id: int, user_id: int | None) -> None:
    """A channel that could not take the post just now (a rate limit's Retry-After, no
    connection) and left nothing public: a job at its next try's time."""
    from sqlmodel import col, select

    from secondlook.release.models import ChannelPost, PostState
    from secondlook.workflow.models import DraftRecord

    if context.jobs is None:
        return
    with Session(context.db) as s:
        draft = s.get(DraftRecord, draft_id)
        if draft is None:
            return
        when = s.exec(select(ChannelPost.retry_after).where(
            ChannelPost.draft_id == draft_id, ChannelPost.revision == draft.current_revision,
            ChannelPost.state == PostState.FAILED, col(ChannelPost.retry_after).is_not(None))
            .order_by(col(ChannelPost.retry_after))).first()
    if when is not None:
        context.jobs.defer("retry_release", lock=f"release-retry-{draft_id}", run_at=when,
                           draft_id=draft_id, user_id=user_id)


def retry_release(context: JobContext, *, draft_id: int, user_id: int | None) -> None:
    """Try again the channels of a draft whose next try has come; then the next one."""
    from consent_store.models import utcnow
    from secondlook.release.scheduling import retry_draft

    result = retry_draft(db=context.db, draft_id=draft_id, user_id=user_id,
                         settings=context.settings, checker=context.checker, now=utcnow())
    if isinstance(result, str):
        raise RuntimeError(result)
    _next_try(context, draft_id, user_id)


def check_photos(context: JobContext, *, draft_id: int, revision: int) -> None:
    """Find and match the faces in a draft's photos (``workflow.photo_checks``); the
    revision it was deferred for is only a label: the job checks the current one."""
    from secondlook.workflow.photo_checks import check_photos as run

    run(db=context.db, checker=context.checker, draft_id=draft_id)


def release_scheduled(context: JobContext, *, draft_id: int) -> None:
    """Release a scheduled draft at its time (``scheduling.run_scheduled``): nothing when
    it was cancelled, moved later or released already."""
    from secondlook.release.scheduling import run_scheduled

    result = run_scheduled(db=context.db, draft_id=draft_id, settings=context.settings,
                           checker=context.checker)
    if isinstance(result, str):
        raise RuntimeError(result)
    if result is not None:  # a channel that asked to wait: its next try as a job too
        from secondlook.release.models import ScheduledRelease

        with Session(context.db) as s:
            row = s.get(ScheduledRelease, draft_id)
            _next_try(context, draft_id, row.scheduled_by_id if row is not None else None)


def delete_post(context: JobContext, *, takedown_id: int, user_id: int) -> None:
    """Delete a post to take down through its channel's API, as ``user_id`` asked; a
    refusal fails the job with what the channel said (the takedown stays open)."""
    from secondlook.accounts.models import User
    from secondlook.release.takedown_delete import delete_on_channel

    with Session(context.db, expire_on_commit=False) as s:
        user = s.get(User, user_id)
        if user is None:
            raise ValueError(f"takedown {takedown_id}: user {user_id} no longer exists")
        s.expunge(user)
    outcome = delete_on_channel(db=context.db, takedown_id=takedown_id, user=user,
                                settings=context.settings, key=context.checker.key)
    if not outcome.done:
        raise RuntimeError(outcome.message)


def due_releases(context: JobContext) -> None:
    """The periodic round of releases (``jobs.periodic``), school by school."""
    from secondlook.release.scheduling import run_due
    from secondlook.schools import for_each_school

    for results in for_each_school(context.db, lambda: run_due(
            db=context.db, settings=context.settings, checker=context.checker)):
        for result in results:
            log.info("background release: %s", result)


def send_mail(context: JobContext) -> None:
    """The periodic round of the mail sender: digests when due, then the outbox."""
    from secondlook.mail.sender import mail_round

    mail_round(context.db, context.settings)


def prune_jobs(context: JobContext) -> None:
    from secondlook.jobs.pruning import prune

    gone = prune(context.db, kept_days=context.settings.jobs_kept_days)
    if gone:
        log.info("deleted %d finished jobs", gone)


TASKS: dict[str, Callable[..., Any]] = {
    "check_photos": check_photos,
    "delete_post": delete_post,
    "due_releases": due_releases,
    "prune_jobs": prune_jobs,
    "release_draft": release_draft,
    "release_scheduled": release_scheduled,
    "retry_release": retry_release,
    "send_mail": send_mail,
}
