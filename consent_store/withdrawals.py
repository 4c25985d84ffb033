"""Consent withdrawals recorded in Second Look: facts with a date, who recorded them and why.

A parent who withdraws consent tells the school, which records it here (the learner's
page or ``secondlook register withdraw``) before the MIS catches up. The register import
may then narrow a consent further but never widen it past an active withdrawal: the
MIS export still saying "all" is no evidence that the parent changed their mind. Only an
admin's confirmation with evidence (e.g. a new consent form's date) lifts a withdrawal,
and the lifted row keeps who lifted it, when and why.

One row per consent withdrawn: ``photo:<channel>``, ``name`` (with the most that may
still be used: ``first`` or ``none``) or ``biometric``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, col, select

from consent_store.channels import CHANNELS
from consent_store.models import school_field, utcnow

NAME_RANK = {"none": 0, "first": 1, "full": 2}
NAME_WORDS = {"full": "full name", "first": "first name only", "none": "no name"}
BIOMETRIC = "biometric"
NAME = "name"


def photo_consent(channel: str) -> str:
    return f"photo:{channel}"


class ConsentWithdrawal(SQLModel, table=True):
    __tablename__ = "consent_withdrawal"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    upn: str = Field(foreign_key="learner.upn", index=True, max_length=13)
    consent: str = Field(max_length=20)  # photo:<channel>, name or biometric
    name_limit: str = Field(default="", max_length=5)  # for name: first or none
    reason: str = Field(sa_column=Column(Text, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str = Field(max_length=80)  # username, or "command line (<OS user>)"
    recorded_by_id: int | None = None
    lifted_at: datetime | None = Field(default=None, index=True)
    lifted_by: str = Field(default="", max_length=80)
    lift_evidence: str = Field(default="", sa_column=Column(Text, nullable=False,
                                                            server_default=""))

    def describe(self) -> str:
        """E.g. "photo consent for facebook (withdrawn 2026-11-20 by dpo: parent phoned)"."""
        return (f"{consent_words(self.consent, self.name_limit)} (withdrawn "
                f"{self.recorded_at:%Y-%m-%d} by {self.recorded_by}: {self.reason})")


def consent_words(consent: str, name_limit: str = "") -> str:
    if consent.startswith("photo:"):
        return f"photo consent for {consent.split(':', 1)[1]}"
    if consent == NAME:
        return f"name consent (at most {NAME_WORDS.get(name_limit, name_limit)})"
    return "biometric consent"


@dataclass(frozen=True, slots=True)
class Limits:
    """What active withdrawals still allow a learner: the ceiling an import cannot pass."""

    photo_withdrawn: frozenset[str] = frozenset()
    name_at_most: str | None = None  # "first" or "none"
    biometric_withdrawn: bool = False

    def widened_by(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """The withdrawn consents that ``values`` (a register row) would give back."""
        out = [photo_consent(c) for c in CHANNELS
               if c in self.photo_withdrawn and c in str(values["photo_channels"]).split(";")]
        if self.name_at_most is not None and \
                NAME_RANK[str(values["name_consent"])] > NAME_RANK[self.name_at_most]:
            out.append(NAME)
        if self.biometric_withdrawn and values["biometric_consent"]:
            out.append(BIOMETRIC)
        return tuple(out)

    def clamp(self, values: Mapping[str, object]) -> dict[str, object]:
        """``values`` with every withdrawn consent kept withdrawn (narrowing still applies)."""
        out = dict(values)
        channels = str(values["photo_channels"]).split(";")
        out["photo_channels"] = ";".join(c for c in CHANNELS
                                         if c in channels and c not in self.photo_withdrawn)
        if self.name_at_most is not None:
            out["name_consent"] = lowest(str(values["name_consent"]), self.name_at_most)
        if self.biometric_withdrawn:
            out["biometric_consent"] = False
        return out


def lowest(a: str, b: str) -> str:
    return a if NAME_RANK[a] <= NAME_RANK[b] else b


def _limits(rows: Iterable[ConsentWithdrawal]) -> Limits:
    photo, name, biometric = set(), None, False
    for row in rows:
        if row.consent.startswith("photo:"):
            photo.add(row.consent.split(":", 1)[1])
        elif row.consent == NAME:
            name = row.name_limit if name is None else lowest(name, row.name_limit)
        elif row.consent == BIOMETRIC:
            biometric = True
    return Limits(frozenset(photo), name, biometric)


def active(session: Session, upn: str | None = None) -> list[ConsentWithdrawal]:
    query = select(ConsentWithdrawal).where(col(ConsentWithdrawal.lifted_at).is_(None))
    if upn is not None:
        query = query.where(ConsentWithdrawal.upn == upn)
    return list(session.exec(query.order_by(col(ConsentWithdrawal.id))))


def active_limits(session: Session) -> dict[str, tuple[Limits, list[ConsentWithdrawal]]]:
    """Per learner with an active withdrawal: the limits and the rows they come from."""
    by_upn: dict[str, list[ConsentWithdrawal]] = defaultdict(list)
    for row in active(session):
        by_upn[row.upn].append(row)
    return {upn: (_limits(rows), rows) for upn, rows in by_upn.items()}


def record(*, session: Session, upn: str, consent: str, reason: str, by: str,
           by_id: int | None, name_limit: str = "") -> ConsentWithdrawal:
    row = ConsentWithdrawal(upn=upn, consent=consent, name_limit=name_limit, reason=reason,
                            recorded_by=by[:80], recorded_by_id=by_id)
    session.add(row)
    session.flush()
    return row


def lift(*, session: Session, upn: str, consents: Iterable[str], name_value: str,
         evidence: str, by: str) -> list[ConsentWithdrawal]:
    """Lift the active withdrawals that giving back ``consents`` overrides.

    A name withdrawal is lifted only if ``name_value`` goes beyond it: restoring the
    first name leaves a withdrawal "at most first name" standing.
    """
    wanted, now, lifted = set(consents), utcnow(), []
    for row in active(session, upn):
        if row.consent not in wanted:
            continue
        if row.consent == NAME and NAME_RANK[name_value] <= NAME_RANK[row.name_limit]:
            continue
        row.lifted_at, row.lifted_by, row.lift_evidence = now, by[:80], evidence
        session.add(row)
        lifted.append(row)
    session.flush()
    return lifted


def history(*, session: Session, upn: str) -> list[ConsentWithdrawal]:
    """Every withdrawal recorded for the learner, newest first, lifted ones included."""
    query = select(ConsentWithdrawal).where(ConsentWithdrawal.upn == upn)
    return list(session.exec(query.order_by(col(ConsentWithdrawal.id).desc())))
