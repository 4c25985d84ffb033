"""The policy-review report (policy section 7: reviewed at least annually).

For a date range (inclusive, UTC days): drafts released on every channel, drafts
released on some channels only (never counted as released), posts per channel,
findings per check
and rule, sign-offs that overrode a review verdict with their reasons, time
from submission to approval, returns and rejections, and takedowns. Read-only:
built from the workflow's tables, the audit log and the release records.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from consent_store.channels import CHANNELS
from consent_store.db import split_list
from secondlook.accounts.models import User
from secondlook.release.models import ChannelPost, PostState, Takedown
from secondlook.workflow.models import (
    AuditEntry,
    Decision,
    DecisionKind,
    DraftRecord,
    DraftState,
    Revision,
)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, UTC)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)


@dataclass(frozen=True, slots=True)
class FindingCount:
    check: str
    rule: str
    severity: str
    drafts: int  # drafts in which any revision had this finding


@dataclass(frozen=True, slots=True)
class Override:
    draft_id: int
    revision: int
    by: str
    role: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TakedownRow:
    learner_upn: str
    channel: str
    draft_id: int
    url: str
    reason: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PartRelease:
    """A revision that some of its channels have and others do not (failed, in doubt, or
    a Class Dojo link never pasted): not a released post."""

    draft_id: int
    revision: int
    posted: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass
class PolicyReport:
    period: Period
    drafts_checked: int = 0
    drafts_released: int = 0  # every channel of the revision has the post
    partly_released: list[PartRelease] = field(default_factory=list)
    posts_per_channel: dict[str, int] = field(default_factory=dict)
    findings: list[FindingCount] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    approval_hours: list[float] = field(default_factory=list)
    returned: int = 0
    rejected: int = 0
    takedowns: list[TakedownRow] = field(default_factory=list)

    def approval_summary(self) -> dict[str, float | None]:
        hours = sorted(self.approval_hours)
        if not hours:
            return {"count": 0, "median": None, "p90": None, "max": None}
        p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))]
        return {"count": len(hours), "median": round(statistics.median(hours), 1),
                "p90": round(p90, 1), "max": round(hours[-1], 1)}


def _in(column, period: Period):  # noqa: ANN001, ANN202 - a SQLAlchemy column
    return (col(column) >= period.since) & (col(column) < period.until)


def _posts(session: Session, period: Period) -> dict[str, int]:
    counts = Counter(session.exec(select(ChannelPost.channel).where(
        ChannelPost.state == PostState.POSTED, _in(ChannelPost.posted_at, period))))
    return {channel: counts.get(channel, 0) for channel in CHANNELS}


def _released(session: Session, period: Period) -> int:
    return len(session.exec(select(DraftRecord.id).where(
        DraftRecord.state == DraftState.RELEASED, _in(DraftRecord.released_at, period))).all())


def _partly_released(session: Session, period: Period) -> list[PartRelease]:
    """Revisions posted on some channel in the period that not every channel of theirs has."""
    keys = set(session.exec(select(ChannelPost.draft_id, ChannelPost.revision).where(
        ChannelPost.state == PostState.POSTED, _in(ChannelPost.posted_at, period))))
    posted: dict[tuple[int, int], set[str]] = {key: set() for key in keys}
    for draft_id, revision, channel in session.exec(
            select(ChannelPost.draft_id, ChannelPost.revision, ChannelPost.channel).where(
                ChannelPost.state == PostState.POSTED,
                col(ChannelPost.draft_id).in_(sorted({d for d, _ in keys})))):
        if (draft_id, revision) in posted:
            posted[(draft_id, revision)].add(channel)
    out = []
    for (draft_id, number), channels in sorted(posted.items()):
        revision = session.exec(select(Revision.channels).where(
            Revision.draft_id == draft_id, Revision.number == number)).first()
        wanted = set(split_list(revision)) if revision is not None else channels
        if wanted - channels:
            out.append(PartRelease(draft_id, number, tuple(sorted(channels)),
                                   tuple(sorted(wanted - channels))))
    return out


def _findings(session: Session, period: Period) -> tuple[int, list[FindingCount]]:
    seen: dict[int, set[tuple[str, str, str]]] = {}
    rows = session.exec(select(Revision.draft_id, Revision.report_json).where(
        _in(Revision.created_at, period)))
    for draft_id, report_json in rows:
        keys = seen.setdefault(draft_id, set())
        for f in json.loads(report_json).get("findings", []):
            keys.add((f.get("check", ""), f.get("rule", ""), f.get("severity", "")))
    counts = Counter(key for keys in seen.values() for key in keys)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return len(seen), [FindingCount(c, r, s, n) for (c, r, s), n in ordered]


def _overrides(session: Session, period: Period) -> list[Override]:
    rows = session.exec(select(Decision, User).join(User, col(User.id) == Decision.user_id)
                        .where(Decision.kind == DecisionKind.SIGN_OFF,
                               _in(Decision.created_at, period))
                        .order_by(col(Decision.created_at)))
    return [Override(d.draft_id, d.revision, u.display_name or u.username, d.role, d.reason,
                     d.created_at) for d, u in rows]


def _approval_hours(session: Session, period: Period) -> list[float]:
    """Per approval, hours since the draft's last submission before it (from the audit)."""
    approvals = session.exec(select(Decision.draft_id, Decision.created_at).where(
        Decision.kind == DecisionKind.APPROVE, _in(Decision.created_at, period))).all()
    drafts = {d for d, _ in approvals}
    submitted: dict[int, list[datetime]] = {}
    for draft_id, at in session.exec(select(AuditEntry.draft_id, AuditEntry.created_at).where(
            AuditEntry.action == "submitted", col(AuditEntry.draft_id).in_(drafts))):
        submitted.setdefault(draft_id or 0, []).append(at)
    hours = []
    for draft_id, approved_at in approvals:
        before = [t for t in submitted.get(draft_id, []) if t <= approved_at]
        if before:
            hours.append((approved_at - max(before)).total_seconds() / 3600)
    return hours


def _count(session: Session, kind: DecisionKind, period: Period) -> int:
    return len(session.exec(select(Decision.id).where(
        Decision.kind == kind, _in(Decision.created_at, period))).all())


def _takedowns(session: Session, period: Period) -> list[TakedownRow]:
    rows = session.exec(select(Takedown, ChannelPost)
                        .join(ChannelPost, col(ChannelPost.id) == Takedown.channel_post_id)
                        .where(_in(Takedown.opened_at, period) | _in(Takedown.closed_at, period))
                        .order_by(col(Takedown.opened_at)))
    return [TakedownRow(t.learner_upn, p.channel, p.draft_id, p.url, t.reason, t.opened_at,
                        t.closed_at) for t, p in rows]


def build_report(*, session: Session, period: Period) -> PolicyReport:
    drafts_checked, findings = _findings(session, period)
    return PolicyReport(
        period=period, drafts_checked=drafts_checked,
        drafts_released=_released(session, period),
        partly_released=_partly_released(session, period),
        posts_per_channel=_posts(session, period), findings=findings,
        overrides=_overrides(session, period), approval_hours=_approval_hours(session, period),
        returned=_count(session, DecisionKind.RETURN, period),
        rejected=_count(session, DecisionKind.REJECT, period),
        takedowns=_takedowns(session, period),
    )
