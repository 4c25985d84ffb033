"""What a check found: plain data, no behaviour beyond ordering and serialising."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CHECK_NAMES = (
    "learner_name",
    "person_name",
    "personal_data",
    "tone",
    "face",
    "image",
    "channel",
    "accessibility",
    "cross",
)


class Severity(StrEnum):
    INFO = "info"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.REVIEW: 1, Severity.BLOCK: 2}


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def exit_code(self) -> int:
        return {Verdict.PASS: 0, Verdict.REVIEW: 3, Verdict.BLOCK: 4}[self]

    @property
    def rank(self) -> int:
        return {Verdict.PASS: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}[self]


def verdict_of(severities: list[Severity]) -> Verdict:
    """The verdict is the highest severity present; info alone gates nothing."""
    worst = max((s.rank for s in severities), default=0)
    if worst == Severity.BLOCK.rank:
        return Verdict.BLOCK
    if worst == Severity.REVIEW.rank:
        return Verdict.REVIEW
    return Verdict.PASS


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets into the draft text exactly as submitted."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    severity: Severity
    rule: str
    message: str
    policy: str
    suggestion: str
    span: Span | None = None
    learner: str | None = None
    image: int | None = None
    face: int | None = None
    tags: tuple[str, ...] = ()  # e.g. ("safeguarding",); not part of the report JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": str(self.severity),
            "rule": self.rule,
            "message": self.message,
            "policy": self.policy,
            "suggestion": self.suggestion,
            "span": self.span.to_dict() if self.span else None,
            "learner": self.learner,
            "image": self.image,
            "face": self.face,
        }

    def sort_key(self) -> tuple[int, int, int, int, str]:
        start = self.span.start if self.span else -1
        return (
            -1 if self.image is None else self.image,
            start,
            -1 if self.face is None else self.face,
            -self.severity.rank,
            self.rule,
        )
