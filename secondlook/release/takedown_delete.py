"""Taking a post down where the channel has an API (Facebook, X), and the receipt a person
gives for a channel without one (Class Dojo: deleted by hand, confirmed on the page).

``queue_delete`` checks at once what it can without the channel (who may, an open
takedown, a channel with an API and the post's id) and queues the ``delete_post`` job, so
the person's request never waits for the channel; the list follows the job
(``delete_progress``). The job runs ``delete_on_channel``, which asks the channel to
delete the post (``Adapter.delete``). Deleted,
or already gone: every open takedown of that post is closed with a note saying so
(``takedowns.mark_taken_down``, which writes the audit entry). Refused or unreachable:
nothing is closed, the audit log has a ``takedown.delete_failed`` entry with the channel's
answer, and the person is told what to do. Nothing is retried by itself: a person is
watching, and the list stays until the post is down.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.channels import label
from secondlook.accounts.models import Role, User
from secondlook.config import Settings
from secondlook.jobs import JobInfo, JobQueue
from secondlook.release.channels import MANUAL_CHANNELS, build_adapter, http_client
from secondlook.release.errors import ChannelError
from secondlook.release.models import ChannelPost, Takedown
from secondlook.release.takedowns import mark_taken_down
from secondlook.workflow import audit

ACTING_ROLES = frozenset({Role.ADMIN, Role.HEADTEACHER, Role.DSL})


@dataclass(frozen=True, slots=True)
class DeleteOutcome:
    done: bool
    message: str


def _target(session: Session, takedown_id: int, user: User) -> tuple[Takedown, ChannelPost]:
    if not user.role_set() & ACTING_ROLES:
        raise PermissionError("only an admin, the headteacher or the DSL may take posts down")
    entry = session.get(Takedown, takedown_id)
    if entry is None or entry.closed_at is not None:
        raise LookupError(f"there is no open takedown {takedown_id}")
    post = session.get(ChannelPost, entry.channel_post_id)
    assert post is not None
    return entry, post


def _api_target(session: Session, takedown_id: int, user: User) -> ChannelPost:
    _, post = _target(session, takedown_id, user)
    if post.channel in MANUAL_CHANNELS or not post.remote_id:
        raise LookupError(f"{label(post.channel)} has no API to delete through (or the "
                          "post's id is not known): delete it there, then confirm here")
    return post


TASK = "delete_post"


def queue_delete(*, session: Session, jobs: JobQueue, takedown_id: int, user: User) -> int:
    """The job deleting this takedown's post (a waiting one is reused: one at a time)."""
    _api_target(session, takedown_id, user)
    assert user.id is not None
    return jobs.defer(TASK, lock=f"takedown-delete-{takedown_id}", takedown_id=takedown_id,
                      user_id=user.id)


@dataclass(frozen=True, slots=True)
class DeleteProgress:
    running: bool  # the list reloads itself while true
    failed: bool
    message: str


def delete_progress(session: Session, job: JobInfo | None) -> DeleteProgress | None:
    """What the delete job ``job`` is doing or did, in one line (None: not such a job)."""
    if job is None or job.task != TASK:
        return None
    entry = session.get(Takedown, job.args.get("takedown_id"))
    if entry is None:
        return None
    post = session.get(ChannelPost, entry.channel_post_id)
    name = label(post.channel) if post is not None else "the channel"
    if job.state == "failed":
        return DeleteProgress(False, True, job.error)
    if job.state == "succeeded" and entry.closed_at is not None:
        return DeleteProgress(False, False, f"The post is gone from {name}: {entry.note}.")
    if job.state == "succeeded":  # closed by hand meanwhile, or reopened: the list says
        return DeleteProgress(False, False, "")
    waiting = "waiting for a job worker to ask" if job.state == "todo" else "asking"
    return DeleteProgress(True, False, f"Deleting the post: {waiting} {name} to delete it…")


def delete_on_channel(*, db: DbEngine, takedown_id: int, user: User, settings: Settings,
                      key: bytes) -> DeleteOutcome:
    """Delete the post through the channel's API and close its takedowns when it is gone."""
    with Session(db) as session:
        post = _api_target(session, takedown_id, user)
        name = label(post.channel)
        try:
            with http_client(settings) as client:
                adapter = build_adapter(session=session, channel=post.channel, client=client,
                                        settings=settings, key=key)
                existed = adapter.delete(post.remote_id)
        except (ChannelError, KeyError, LookupError, ValueError) as exc:
            audit.append(session=session, actor=user, action="takedown.delete_failed",
                         draft_id=post.draft_id, revision=post.revision,
                         content_sha256=post.content_sha256,
                         detail={"channels": [post.channel], "note": str(exc)[:500]})
            session.commit()
            return DeleteOutcome(False, f"{name} did not delete the post: {exc}. It stays on "
                                 "the list; try again, or delete it on the channel and mark "
                                 "it taken down.")
        note = (f"deleted on {name} through its API (post {post.remote_id})" if existed else
                f"{name} has no such post any more (post {post.remote_id}): already deleted")
        mark_taken_down(session=session, takedown_id=takedown_id, user=user, note=note)
        session.commit()
        return DeleteOutcome(True, f"The post is gone from {name}: {note}.")


def confirm_deleted_by_hand(*, session: Session, takedown_id: int, user: User) -> str:
    """The receipt for a channel without an API: who confirmed the deletion, and when (the
    takedown's closing time and person, and the audit entry)."""
    _, post = _target(session, takedown_id, user)
    name = label(post.channel)
    note = f"deleted on {name} by hand; confirmed by {user.display_name}"
    mark_taken_down(session=session, takedown_id=takedown_id, user=user, note=note)
    return note
