"""What each channel's release record means for a person: its outcome in words, and what
to do next. The release page and the API say the same (never "Sent." when nothing was)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from consent_store.channels import label
from consent_store.models import utcnow
from secondlook.release.models import ChannelPost, PostState


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    channel: str
    state: str  # a PostState value; "pending" for a channel not tried yet
    outcome: str  # e.g. "posted", "not posted yet", "may be online"
    next_step: str
    url: str = ""
    error: str = ""
    retry_at: datetime | None = None
    attempts: int = 0

    @property
    def done(self) -> bool:
        return self.state == PostState.POSTED


def at(moment: datetime, now: datetime, zone: tzinfo = UTC) -> str:
    """'14:05' in the school's time zone ('14:05 UTC' when that is UTC), with the date
    when it is not today there."""
    local, today = moment.astimezone(zone), now.astimezone(zone)
    when = f"{local:%H:%M}" + (" UTC" if zone is UTC else "")
    return when if local.date() == today.date() else f"{local:%d %b %Y} {when}"


_OUTCOME = {
    PostState.PENDING: "not sent yet",
    PostState.SENDING: "being sent",
    PostState.POSTED: "posted",
    PostState.FAILED: "not posted",
    PostState.IN_DOUBT: "may be online",
    PostState.AWAITING_LINK: "waiting for its link",
}


def _next_step(channel: str, post: ChannelPost | None, draft_state: str,
               now: datetime, zone: tzinfo) -> str:
    name = label(channel)
    state = post.state if post else PostState.PENDING
    if state == PostState.POSTED:
        return "Nothing: it is online."
    if state == PostState.SENDING:
        return "It is being sent now: reload this page in a moment."
    if state == PostState.IN_DOUBT:
        return (f"We cannot tell whether {name} published it. Look at the page: if the post "
                "is there, paste its link; if it is not, say so and it can be sent again.")
    if state == PostState.AWAITING_LINK:
        return (f"Download the approved text and photos, post them in {name}, then paste "
                "the post's link here.")
    if post is not None and post.retry_after is not None:
        return (f"{name} could not take it just now; it will be tried again at "
                f"{at(post.retry_after, now, zone)}, by itself.")
    if draft_state not in ("approved", "releasing"):
        return f"Nothing can be sent while the post is {draft_state}."
    if state == PostState.FAILED:
        return ("Fix the problem shown, then press Release now: channels that have the post "
                "are not posted again.")
    return "Press Release now."


def channel_status(channel: str, post: ChannelPost | None, draft_state: str,
                   now: datetime | None = None, zone: tzinfo = UTC) -> ChannelStatus:
    now = now or utcnow()
    state = PostState(post.state) if post else PostState.PENDING
    outcome = _OUTCOME[state]
    if post is not None and state == PostState.FAILED and post.retry_after is not None:
        outcome = "not posted yet"
    return ChannelStatus(
        channel=channel, state=str(state), outcome=outcome,
        next_step=_next_step(channel, post, draft_state, now, zone),
        url=post.url if post else "", error=post.error if post else "",
        retry_at=post.retry_after if post else None, attempts=post.attempts if post else 0)


def summary(statuses: list[ChannelStatus]) -> str:
    """One line for the top of the page: released, or which channels have it and not."""
    if statuses and all(s.done for s in statuses):
        return "Released: every channel has the post."
    posted = [label(s.channel) for s in statuses if s.done]
    rest = [f"{label(s.channel)}: {s.outcome}" for s in statuses if not s.done]
    have = f"Posted on {', '.join(posted)}. " if posted else "Not posted anywhere yet. "
    return have + "; ".join(rest) + ". See what to do for each channel below."
