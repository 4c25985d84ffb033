"""Withdrawing consent from the web: narrow the learner's consents at once.

Biometric withdrawal also deletes the learner's face templates and their source photos
(``consent_store.templates.purge_biometrics``). The MIS stays the source of the register:
the page reminds the admin to record the change there, or the next import restores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from consent_store.channels import CHANNELS
from consent_store.models import Learner, utcnow
from consent_store.register_import import LearnerChange
from consent_store.templates import purge_biometrics
from secondlook.accounts.models import User
from secondlook.workflow import audit


class WithdrawalError(ValueError):
    """The withdrawal cannot be applied; the message says why."""


@dataclass(frozen=True)
class Withdrawal:
    upn: str
    photo_channels: frozenset[str] = frozenset()
    name: bool = False
    biometric: bool = False

    def is_empty(self) -> bool:
        return not (self.photo_channels or self.name or self.biometric)


@dataclass(frozen=True)
class WithdrawalResult:
    changed: tuple[str, ...]  # human-readable lines, for the page and the audit
    biometrics_purged: int
    takedowns: int  # released posts that now must come down


def _remaining_channels(current: str, withdrawn: Iterable[str]) -> str:
    gone = set(withdrawn)
    return ";".join(c for c in CHANNELS if c in current.split(";") and c not in gone)


def withdraw(*, session: Session, request: Withdrawal,
             actor: User | None = None) -> WithdrawalResult:
    learner = session.get(Learner, request.upn)
    if learner is None:
        raise WithdrawalError(f"no learner with UPN {request.upn} in the register")
    unknown = request.photo_channels - set(CHANNELS)
    if unknown:
        raise WithdrawalError(f"unknown channel(s): {', '.join(sorted(unknown))}")
    if request.is_empty():
        raise WithdrawalError("tick at least one consent to withdraw")
    before = {k: getattr(learner, k) for k in ("photo_channels", "name_consent",
                                               "biometric_consent")}
    changed: list[str] = []
    if request.photo_channels:
        learner.photo_channels = _remaining_channels(learner.photo_channels, request.photo_channels)
        changed.append("photo consent withdrawn for " + ", ".join(sorted(request.photo_channels)))
    if request.name and learner.name_consent != "none":
        learner.name_consent = "none"
        changed.append("name consent withdrawn")
    purged = 0
    if request.biometric:
        learner.biometric_consent = False
        purged = _purge(session, learner.upn)
        changed.append(f"biometric consent withdrawn; {purged} reference photo(s) and their "
                       "face templates deleted")
    learner.updated_at = utcnow()
    session.add(learner)
    session.flush()
    takedowns = _open_takedowns(session, learner, before)
    if takedowns:
        changed.append(f"{takedowns} released post(s) added to the takedown list")
    audit.append(session=session, actor=actor, action="consent.withdraw",
                 detail={"upn": learner.upn, "changes": changed})
    return WithdrawalResult(changed=tuple(changed), biometrics_purged=purged, takedowns=takedowns)


def _open_takedowns(session: Session, learner: Learner, before: dict[str, object]) -> int:
    """Released posts naming or showing the learner where consent is now gone."""
    from secondlook.release.takedowns import open_takedowns

    fields = {k: (old, getattr(learner, k)) for k, old in before.items()
              if getattr(learner, k) != old}
    return len(open_takedowns(session=session, changes=[LearnerChange(learner.upn, fields)]))


def _purge(session: Session, upn: str) -> int:
    """Delete the learner's templates and reference photos; returns how many photos went."""
    return purge_biometrics(session=session, upn=upn)
