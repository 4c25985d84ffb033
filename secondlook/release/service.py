"""Releasing an approved draft: the workflow's claim, the channels, and the outcome.

``release_draft`` takes the workflow's single right to publish (``claim_release``),
sends the approved revision to each API channel through ``publishing.publish``
(at most once per revision and channel), leaves Class Dojo waiting for its
pasted link, and then either marks the draft released (every channel has a
link), keeps it releasing (only a manual link is missing), or hands it back
to approved with the errors (nothing is resent that is posted or in doubt).
Each channel's outcome goes into the draft's audit history.

It takes the database engine, not a session: each step commits on its own
(the claim, each channel's ``sending`` row, each outcome), so that what is on
its way to a channel is recorded before the request leaves the machine. The
claim also records which process is releasing (a ``ReleaseRun`` of this
worker): if that process dies, ``recovery`` finds the release and ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, col, select

from consent_store.channels import label
from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.config import Settings
from secondlook.release import publishing, workers
from secondlook.release.channels import MANUAL_CHANNELS, build_adapter, http_client, policy_from
from secondlook.release.classdojo import check_link, export_zip
from secondlook.release.content import ReleaseContent, ReleaseImage, people_in_report
from secondlook.release.errors import ChannelError
from secondlook.release.links import HOME, post_link
from secondlook.release.models import ChannelPost, PostState, ReleaseRun
from secondlook.release.recovery import end_run
from secondlook.release.retrying import RetryPolicy
from secondlook.release.takedowns import close_not_online
from secondlook.workflow import audit, rules
from secondlook.workflow.checking import Checker
from secondlook.workflow.drafts import abandon_release, claim_release, mark_released
from secondlook.workflow.errors import InvalidTransition, StaleReport
from secondlook.workflow.expiry import ApprovalExpired, expire_approvals
from secondlook.workflow.models import DraftState, ImageBlob, Revision, RevisionImage
from secondlook.workflow.recheck import FINAL, recheck, reconfirm
from secondlook.workflow.snapshots import register_version
from secondlook.workflow.views import DraftView, load_view


@dataclass(frozen=True, slots=True)
class ChannelOutcome:
    channel: str
    state: str
    url: str
    error: str
    retry_at: datetime | None = None  # the background releaser tries again then


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    draft_id: int
    state: str  # the draft's state afterwards
    channels: list[ChannelOutcome]


def release_content(session: Session, view: DraftView) -> ReleaseContent:
    """The current revision as it will be sent, bound to the hash its approval names."""
    images = []
    for img in view.images:
        blob = session.get(ImageBlob, img.sha256)
        assert blob is not None, f"image {img.sha256} of draft {view.id} is missing"
        images.append(ReleaseImage(blob.data, img.alt, img.name, blob.media_type))
    approved = view.approvals[0].content_sha256 if view.approvals else ""
    named, pictured = people_in_report(view.report)
    return ReleaseContent(view.id, view.revision.number, view.revision.text, tuple(images),
                          tuple(view.channels), approved, named, pictured)


def channel_posts(session: Session, draft_id: int, revision: int) -> list[ChannelPost]:
    return list(session.exec(select(ChannelPost).where(
        ChannelPost.draft_id == draft_id, ChannelPost.revision == revision)
        .order_by(col(ChannelPost.channel))))


def records_to_show(session: Session, view: DraftView) -> dict[str, ChannelPost | None]:
    """Each channel's record of the current revision, unless an earlier revision's post
    there is still in doubt (or its Class Dojo copy waits for its link): that one is
    shown, because it needs a person's answer before this revision can go there."""
    return {c: publishing.waiting_for_answer(session, view.id, view.revision.number, c)
            for c in view.channels}


def checked_today(session: Session, view: DraftView, today: date | None = None) -> bool:
    """The report was made against the register as it is, on this very day (consent
    expiry dates make yesterday's report stale even when the register did not change)."""
    today = today or date.today()
    return (view.revision.register_version == register_version(session)
            and view.revision.created_at.astimezone().date() == today)


def handout_check(session: Session, view: DraftView, checker: Checker) -> None:
    """Before anything of the draft leaves (zip, API, scheduled release): its report must
    hold for today's register today; if not, it is re-checked now (``StaleReport``)."""
    if not checked_today(session, view):
        reconfirm(session, view, checker, force=True)


def _refused_stale(db: DbEngine, draft_id: int, user: User, checker: Checker,
                   exc: StaleReport) -> StaleReport:
    """Store the new report so the draft shows it (a system re-check: approvals lapse).
    A draft half-released (Class Dojo still to come) is handed back first: its Class
    Dojo copy is no longer handed out. Returns the error to raise."""
    with session_scope(db) as s:
        view = load_view(s, draft_id)
        releasing = view.draft.state == DraftState.RELEASING
        for post in channel_posts(s, draft_id, view.revision.number):
            if releasing and post.state == PostState.AWAITING_LINK:
                post.state = PostState.FAILED
                post.error = ("not handed out: the checks changed with the register. If an "
                              "earlier download was posted, it is on the takedown list when "
                              "it shows the learner; take it down")
                s.add(post)
    if releasing:
        finish(db=db, draft_id=draft_id, user=user)
    with session_scope(db) as s:
        if load_view(s, draft_id).draft.state not in FINAL:
            recheck(session=s, draft_id=draft_id, checker=checker)
    return StaleReport(
        f"draft {draft_id}: the checks against today's register now report something "
        "different (the consent register changed, or a consent expired, since it was "
        "checked): nothing was sent or handed out. Second Look has re-checked it: read the "
        "new findings; the draft needs approving again")


def _claim(db: DbEngine, draft_id: int, user: User, settings: Settings,
           now: datetime, checker: Checker) -> ReleaseContent:
    days = settings.approval_max_age_days
    with session_scope(db) as s:
        expired = expire_approvals(session=s, max_age=timedelta(days=days), now=now,
                                   draft_id=draft_id)
    if expired:
        raise ApprovalExpired(f"the approval of draft {draft_id} is more than {days} days old "
                              "and has expired: ask a colleague to approve it again")
    workers.beat(db, now)
    try:
        with session_scope(db) as s:
            view = load_view(s, draft_id)
            rules.can_release(user, view, {DraftState.APPROVED})
            handout_check(s, view, checker)
            view = claim_release(session=s, draft_id=draft_id, user=user, checker=checker)
            s.add(ReleaseRun(draft_id=draft_id, revision=view.revision.number,
                             worker=workers.this_worker().id, user_id=user.id,
                             started_at=now))
            return release_content(s, view)
    except StaleReport as exc:
        raise _refused_stale(db, draft_id, user, checker, exc) from exc


def _words_and_photos(s: Session, draft_id: int, number: int) -> tuple[str, list[tuple[str, str]]]:
    revision = s.exec(select(Revision).where(Revision.draft_id == draft_id,
                                             Revision.number == number)).one()
    photos = s.exec(select(RevisionImage).where(RevisionImage.revision_id == revision.id)
                    .order_by(col(RevisionImage.position))).all()
    return revision.text, [(p.sha256, p.alt) for p in photos]


def already_online(db: DbEngine, content: ReleaseContent,
                   channel: str) -> tuple[ChannelPost, bool] | None:
    """An earlier revision of this draft that is (or may be) on ``channel``, and whether
    it is this revision word for word (same text, same photos, same alt text)."""
    with Session(db) as s:
        earlier = publishing.online_before(s, content.draft_id, content.revision, channel)
        if earlier is None:
            return None
        same = (earlier.state == PostState.POSTED and _words_and_photos(
            s, content.draft_id, earlier.revision) == _words_and_photos(
            s, content.draft_id, content.revision))
        s.expunge(earlier)
        return earlier, same


def twice_refusal(channel: str, earlier: ChannelPost) -> str:
    name = label(channel)
    where = f" ({earlier.url})" if earlier.url else ""
    if earlier.state == PostState.POSTED:
        return (f"not sent: {name} already shows revision {earlier.revision} of this post"
                f"{where}, and sending this version would post it there a second time. To "
                f"finish, stop posting to {name} (its post stays as it is), or take that post "
                "down and mark it taken down, then release again")
    return (f"not sent: revision {earlier.revision} of this post may be on {name} already "
            f"({earlier.state.replace('_', ' ')}). Look at {name}: record its link, or say it "
            "is not there, before this version is sent")


def _send_one(db: DbEngine, content: ReleaseContent, channel: str, user: User,
              settings: Settings, key: bytes, client: httpx.Client, policy: RetryPolicy,
              clock: Callable[[], datetime]) -> None:
    online = already_online(db, content, channel)
    if online is not None:  # never twice on one channel, whatever the revision
        earlier, same = online
        if same:
            publishing.carry_over(db, content, channel, earlier)
        else:
            publishing.not_sent(db, content, channel, twice_refusal(channel, earlier))
        return
    if channel in MANUAL_CHANNELS:
        publishing.ensure_post(db, content, channel, PostState.AWAITING_LINK)
        return
    try:
        with Session(db) as s:
            adapter = build_adapter(session=s, channel=channel, client=client,
                                    settings=settings, key=key)
    except ChannelError as exc:  # not configured, or the key cannot open the token
        publishing.not_sent(db, content, channel, str(exc))
        return
    publishing.publish(db=db, content=content, adapter=adapter, user_id=user.id, now=clock,
                       policy=policy)


def _clock(fixed: datetime | None) -> Callable[[], datetime]:
    if fixed is None:
        return utcnow
    return lambda: fixed


def release_draft(*, db: DbEngine, draft_id: int, user: User, settings: Settings,
                  checker: Checker, client: httpx.Client | None = None,
                  policy: RetryPolicy | None = None,
                  now: datetime | None = None) -> ReleaseOutcome:
    """Publish the approved revision to every channel it names (see module doc).

    Each channel is tried once; what may be tried again is left to the background
    releaser (``scheduling.run_due``) at the time recorded. ``now`` (tests, and the
    releaser's round) stands for the clock throughout.
    """
    clock = _clock(now)
    now = clock()
    policy = policy or policy_from(settings)
    content = _claim(db, draft_id, user, settings, now, checker)
    try:
        content.verify()
        own = client is None
        client = client or http_client(settings)
        try:
            for channel in content.channels:
                _send_one(db, content, channel, user, settings, checker.key, client, policy,
                          clock)
        finally:
            if own:
                client.close()
    except BaseException as exc:
        _give_back(db, draft_id, user, f"release stopped: {exc}")
        raise
    outcome = finish(db=db, draft_id=draft_id, user=user)
    end_run(db, draft_id)
    return outcome


def _give_back(db: DbEngine, draft_id: int, user: User, note: str) -> None:
    with session_scope(db) as s:
        if load_view(s, draft_id).draft.state == DraftState.RELEASING:
            abandon_release(session=s, draft_id=draft_id, user=user, note=note)
    end_run(db, draft_id)


def _audit_channels(s: Session, view: DraftView, user: User, posts: list[ChannelPost]) -> None:
    audit.append(session=s, actor=user, action="channels", draft_id=view.id,
                 revision=view.revision.number, content_sha256=view.content_sha256,
                 detail={"channels": {p.channel: {"state": p.state, "url": p.url,
                                                  "error": p.error[:300],
                                                  "attempts": p.attempts} for p in posts}})


def finish(*, db: DbEngine, draft_id: int, user: User) -> ReleaseOutcome:
    """Move the draft on from what the channels now say."""
    with session_scope(db) as s:
        view = load_view(s, draft_id)
        posts = channel_posts(s, draft_id, view.revision.number)
        _audit_channels(s, view, user, posts)
        by_channel = {p.channel: p for p in posts}
        states = [by_channel[c].state if c in by_channel else PostState.PENDING
                  for c in view.channels]
        if all(st == PostState.POSTED for st in states):
            view = mark_released(session=s, draft_id=draft_id, user=user,
                                 links={c: by_channel[c].url for c in view.channels})
        elif view.draft.state == DraftState.RELEASING and not all(
                st in (PostState.POSTED, PostState.AWAITING_LINK) for st in states):
            problems = "; ".join(f"{p.channel}: {p.error}" for p in posts if p.error)
            view = abandon_release(session=s, draft_id=draft_id, user=user,
                                   note=problems or "not every channel was posted")
        outcome = [ChannelOutcome(p.channel, p.state, p.url, p.error, p.retry_after)
                   for p in posts]
        return ReleaseOutcome(draft_id, str(view.draft.state), outcome)


def manual_export(*, db: DbEngine, draft_id: int, user: User,
                  checker: Checker) -> tuple[str, bytes]:
    """The Class Dojo zip (file name, bytes) of the approved revision, once its report is
    confirmed against today's register. Handing it out is recorded (the route is a POST):
    from then on the post may be online, so a consent withdrawn later lists it for takedown."""
    try:
        with session_scope(db) as s:
            view = load_view(s, draft_id)
            rules.can_release(user, view, {DraftState.APPROVED, DraftState.RELEASING})
            if not set(view.channels) & set(MANUAL_CHANNELS):
                raise InvalidTransition(f"draft {draft_id} does not go to Class Dojo")
            handout_check(s, view, checker)
            content = release_content(s, view)
    except StaleReport as exc:
        raise _refused_stale(db, draft_id, user, checker, exc) from exc
    online = already_online(db, content, "classdojo")
    if online is not None and not online[1]:
        raise InvalidTransition(f"draft {draft_id}: " + twice_refusal("classdojo", online[0]))
    data = export_zip(content)
    publishing.ensure_post(db, content, "classdojo", PostState.AWAITING_LINK)
    return f"secondlook-draft-{draft_id}-r{content.revision}-classdojo.zip", data


def check_post_link(channel: str, url: str) -> str:
    """A pasted https link to a post on ``channel`` (it is shown as a link later)."""
    checked = post_link(channel, url)
    if checked is None:
        raise ValueError(f"{url.strip()!r} is not a link to a {channel} post: open the post "
                         f"on {HOME.get(channel, channel)} and copy its https address")
    return checked


def record_link(*, db: DbEngine, draft_id: int, channel: str, url: str | None,
                user: User) -> ReleaseOutcome:
    """A person's answer: the pasted Class Dojo link, or for a post in doubt its link
    (or None: checked, it is not on the channel, so it may be sent again)."""
    with session_scope(db) as s:  # who may, before anything about the link is said
        view = load_view(s, draft_id)
        rules.can_release(user, view, {DraftState.APPROVED, DraftState.RELEASING})
        content = release_content(s, view)
        post = publishing.waiting_for_answer(s, draft_id, view.revision.number, channel)
        post_id = post.id if post is not None else None
        goes_there = channel in view.channels
    if channel in MANUAL_CHANNELS:
        url = check_link(url or "")
        if post_id is None and goes_there:  # downloaded, posted, and its link pasted back
            post_id = publishing.ensure_post(db, content, channel, PostState.AWAITING_LINK)
    elif url is not None:
        url = check_post_link(channel, url)
    if post_id is None:
        raise InvalidTransition(f"draft {draft_id} has no {channel} release to complete")
    publishing.resolve(db, post_id=post_id, url=url, user_id=user.id)
    if url is None:  # not online after all: nothing of it is left to take down
        with session_scope(db) as s:
            close_not_online(session=s, post_id=post_id, user=user)
    return finish(db=db, draft_id=draft_id, user=user)
