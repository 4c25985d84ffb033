"""Withdrawing consent (the learner's page, ``secondlook register withdraw``) and giving it
back with evidence.

A withdrawal is recorded as a fact (``consent_store.withdrawals``): when, who, why. It
narrows the learner's consents at once, and no later register import can widen them past
it; only ``confirm_consent`` (an admin, with evidence such as a new consent form's date)
lifts it. Biometric withdrawal also deletes the learner's face templates and their source
photos. Released posts showing the learner where consent is now gone go on the takedown
list.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from consent_store import withdrawals
from consent_store.channels import CHANNELS
from consent_store.models import Learner, utcnow
from consent_store.register_import import LearnerChange
from consent_store.templates import purge_biometrics
from consent_store.withdrawals import BIOMETRIC, NAME, NAME_RANK, NAME_WORDS, photo_consent
from secondlook.accounts.models import User
from secondlook.workflow import audit

MAX_REASON = 500


class WithdrawalError(ValueError):
    """The withdrawal cannot be applied; the message says why."""


@dataclass(frozen=True)
class Withdrawal:
    upn: str
    reason: str = ""
    photo_channels: frozenset[str] = frozenset()
    name: str | None = None  # the most that may still be used: "first" or "none"
    biometric: bool = False

    def is_empty(self) -> bool:
        return not (self.photo_channels or self.name or self.biometric)


@dataclass(frozen=True)
class WithdrawalResult:
    changed: tuple[str, ...]  # human-readable lines, for the page and the audit
    biometrics_purged: int
    takedowns: int  # released posts that now must come down


def recorder(actor: User | None) -> str:
    """Who recorded it: the signed-in user, or the operating-system user at the console."""
    if actor is not None:
        return actor.username
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this uid (e.g. in a container)
        return "command line"


def _validate(learner: Learner | None, request: Withdrawal) -> Learner:
    if learner is None:
        raise WithdrawalError(f"no learner with UPN {request.upn} in the register")
    unknown = request.photo_channels - set(CHANNELS)
    if unknown:
        raise WithdrawalError(f"unknown channel(s): {', '.join(sorted(unknown))}; use "
                              f"{', '.join(CHANNELS)}")
    if request.name not in (None, "first", "none"):
        raise WithdrawalError(f"name consent can be withdrawn to 'first' or 'none', "
                              f"not {request.name!r}")
    if request.is_empty():
        raise WithdrawalError("tick at least one consent to withdraw")
    if not request.reason.strip():
        raise WithdrawalError("give the reason, e.g. 'parent emailed on 20 November'")
    if len(request.reason) > MAX_REASON:
        raise WithdrawalError(f"the reason is longer than {MAX_REASON} characters")
    return learner


def withdraw(*, session: Session, request: Withdrawal,
             actor: User | None = None) -> WithdrawalResult:
    learner = _validate(session.get(Learner, request.upn), request)
    before = {k: getattr(learner, k) for k in ("photo_channels", "name_consent",
                                               "biometric_consent")}
    reason, by = request.reason.strip(), recorder(actor)

    def note(consent: str, name_limit: str = "") -> None:
        withdrawals.record(session=session, upn=learner.upn, consent=consent, reason=reason,
                           by=by, by_id=actor.id if actor else None, name_limit=name_limit)

    changed = _photo(learner, request.photo_channels, note) + _name(learner, request.name, note)
    purged = 0
    if request.biometric:
        note(BIOMETRIC)
        learner.biometric_consent = False
        purged = purge_biometrics(session=session, upn=learner.upn)
        changed.append(f"biometric consent withdrawn; {purged} reference photo(s) and their "
                       "face templates deleted")
    learner.updated_at = utcnow()
    session.add(learner)
    session.flush()
    takedowns = _open_takedowns(session, learner, before, actor)
    if takedowns:
        changed.append(f"{takedowns} released post(s) added to the takedown list")
    _audit(session, actor, learner.upn, changed, reason, purged if request.biometric else None)
    return WithdrawalResult(changed=tuple(changed), biometrics_purged=purged, takedowns=takedowns)


def _photo(learner: Learner, channels: Iterable[str], note) -> list[str]:  # noqa: ANN001
    wanted = sorted(channels, key=CHANNELS.index)
    if not wanted:
        return []
    current = learner.photo_channels.split(";")
    for channel in wanted:
        note(photo_consent(channel))
    learner.photo_channels = ";".join(c for c in CHANNELS if c in current and c not in wanted)
    line = "photo consent withdrawn for " + ", ".join(sorted(wanted))
    was_not_given = [c for c in wanted if c not in current]
    if was_not_given:
        line += f" (not given for {', '.join(was_not_given)}: recorded so an import cannot add it)"
    return [line]


def _name(learner: Learner, cap: str | None, note) -> list[str]:  # noqa: ANN001
    if cap is None:
        return []
    note(NAME, cap)
    if NAME_RANK[learner.name_consent] <= NAME_RANK[cap]:
        return [f"name consent already {NAME_WORDS[learner.name_consent]}: the withdrawal is "
                "recorded so an import cannot widen it"]
    learner.name_consent = cap
    return ["name consent withdrawn" if cap == "none" else
            "name consent reduced to first name only"]


def _audit(session: Session, actor: User | None, upn: str, changed: list[str], reason: str,
           purged: int | None) -> None:
    events = [audit.Event("consent.withdraw",
                          detail={"upn": upn, "changes": changed, "reason": reason})]
    if purged is not None:
        events.append(audit.Event("biometrics.delete", detail={
            "upn": upn, "count": purged, "reason": "biometric consent withdrawn"}))
    audit.append_many(session=session, actor=actor, events=events)


def _open_takedowns(session: Session, learner: Learner, before: dict[str, object],
                    actor: User | None) -> int:
    """Released posts naming or showing the learner where consent is now gone."""
    from secondlook.release.takedowns import open_takedowns

    fields = {k: (old, getattr(learner, k)) for k, old in before.items()
              if getattr(learner, k) != old}
    return len(open_takedowns(session=session, changes=[LearnerChange(learner.upn, fields)],
                              actor=actor))


@dataclass(frozen=True)
class ConsentGiven:
    """Consent given back after a withdrawal, e.g. as a register import asked for it."""

    upn: str
    evidence: str
    photo_channels: frozenset[str] = frozenset()
    name: str | None = None  # "first" or "full"
    biometric: bool = False


def confirm_consent(*, session: Session, request: ConsentGiven,
                    actor: User | None = None) -> tuple[str, ...]:
    """Lift the withdrawals these consents override and give the consents back."""
    learner = session.get(Learner, request.upn)
    if learner is None:
        raise WithdrawalError(f"no learner with UPN {request.upn} in the register")
    if not request.evidence.strip():
        raise WithdrawalError("give the evidence, e.g. 'new consent form dated 2027-01-10'")
    limits = withdrawals.active_limits(session).get(request.upn)
    values = {"photo_channels": ";".join(sorted(request.photo_channels)),
              "name_consent": request.name or "none", "biometric_consent": request.biometric}
    consents = limits[0].widened_by(values) if limits else ()
    if not consents:
        raise WithdrawalError(f"{request.upn} has no active withdrawal of these consents; "
                              "nothing to confirm")
    withdrawals.lift(session=session, upn=learner.upn, consents=consents,
                     name_value=values["name_consent"], evidence=request.evidence.strip(),
                     by=recorder(actor))
    changed = _give_back(learner, consents, request)
    learner.updated_at = utcnow()
    session.add(learner)
    audit.append(session=session, actor=actor, action="consent.confirm", detail={
        "upn": learner.upn, "changes": changed, "evidence": request.evidence.strip()})
    session.flush()
    return tuple(changed)


def _give_back(learner: Learner, consents: Iterable[str], request: ConsentGiven) -> list[str]:
    wanted = set(consents)
    channels = [c for c in CHANNELS if photo_consent(c) in wanted]
    changed = []
    if channels:
        current = set(learner.photo_channels.split(";")) | set(channels)
        learner.photo_channels = ";".join(c for c in CHANNELS if c in current)
        changed.append("photo consent given back for " + ", ".join(channels))
    if NAME in wanted and request.name:
        learner.name_consent = request.name
        changed.append(f"name consent given back: {NAME_WORDS[request.name]}")
    if BIOMETRIC in wanted:
        learner.biometric_consent = True
        changed.append("biometric consent given back")
    return changed
