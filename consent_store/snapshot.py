"""An immutable view of the register as moderation sees it.

Moderation never touches the database: it is handed a ``RegisterSnapshot``,
so a report is a pure function of (draft, snapshot, rule packs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

NameConsent = Literal["full", "first", "none"]
PhotoConsent = Literal["granted", "refused", "expired", "never_publish"]


@dataclass(frozen=True, slots=True)
class LearnerRecord:
    upn: str
    first_name: str
    last_name: str
    preferred_name: str = ""
    aliases: tuple[str, ...] = ()
    year_group: str = ""
    photo_channels: frozenset[str] = frozenset()
    name_consent: NameConsent = "none"
    biometric_consent: bool = False
    biometric_objection: bool = False
    never_publish: bool = False
    consent_expires: date | None = None
    left: bool = False

    def expired(self, today: date) -> bool:
        return self.consent_expires is not None and today > self.consent_expires

    def photo_consent(self, channel: str, today: date) -> PhotoConsent:
        if self.never_publish:
            return "never_publish"
        if self.expired(today):
            return "expired"
        return "granted" if channel in self.photo_channels else "refused"

    def effective_name_consent(self, today: date) -> NameConsent:
        """After expiry every consent counts as not given."""
        if self.never_publish or self.expired(today):
            return "none"
        return self.name_consent

    def may_match_face(self) -> bool:
        return self.biometric_consent and not self.biometric_objection and not self.left

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class StaffRecord:
    title: str
    first_name: str
    last_name: str


def _no_encodings() -> np.ndarray:
    return np.zeros((0, 128), dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class FaceTemplateSet:
    """Decrypted reference encodings, one row per template, in memory only."""

    upns: tuple[str, ...] = ()
    encodings: np.ndarray = field(default_factory=_no_encodings)

    def __len__(self) -> int:
        return len(self.upns)


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class RegisterSnapshot:
    learners: tuple[LearnerRecord, ...] = ()
    staff: tuple[StaffRecord, ...] = ()
    templates: FaceTemplateSet = field(default_factory=FaceTemplateSet)
    as_of: date = field(default_factory=date.today)
    version: str = ""  # changes whenever the register changes; caches key on it

    def learner(self, upn: str) -> LearnerRecord | None:
        for rec in self.learners:
            if rec.upn == upn:
                return rec
        return None

    @property
    def current_learners(self) -> tuple[LearnerRecord, ...]:
        return tuple(rec for rec in self.learners if not rec.left)
