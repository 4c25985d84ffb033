"""The check report: a verdict, the findings and what was seen in each image."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moderation.findings import Finding, Verdict, verdict_of


@dataclass(frozen=True, slots=True)
class FaceBox:
    top: int
    right: int
    bottom: int
    left: int

    def to_dict(self) -> dict[str, int]:
        return {"top": self.top, "right": self.right, "bottom": self.bottom, "left": self.left}


@dataclass(frozen=True, slots=True)
class FaceReport:
    box: FaceBox
    learner: str | None
    distance: float | None
    consent: str  # granted, refused, expired, never_publish, unknown
    channels: dict[str, str] = field(default_factory=dict)  # consent per target channel
    # A person's decision that decides this face (blurred, not_learner, identified), and who
    decision: str | None = None
    decided_by: str = ""
    # The matcher's distances to the nearest and second-nearest enrolled learner, matched or
    # not, so an approver sees how close an "unknown" face came (None: nobody to compare).
    nearest: float | None = None
    runner_up: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": self.box.to_dict(),
            "learner": self.learner,
            "distance": _rounded(self.distance),
            "consent": self.consent,
            "channels": dict(self.channels),
            "decision": self.decision,
            "decided_by": self.decided_by,
            "nearest": _rounded(self.nearest),
            "runner_up": _rounded(self.runner_up),
        }


def _rounded(value: float | None) -> float | None:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return round(value, 4)


@dataclass(frozen=True, slots=True)
class ImageReport:
    index: int
    sha256: str
    width: int
    height: int
    metadata_removed: tuple[str, ...] = ()
    faces: tuple[FaceReport, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "metadata_removed": list(self.metadata_removed),
            "faces": [f.to_dict() for f in self.faces],
        }


@dataclass(frozen=True, slots=True)
class Report:
    content_sha256: str
    channels: tuple[str, ...]
    findings: tuple[Finding, ...]
    images: tuple[ImageReport, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return verdict_of([f.severity for f in self.findings])

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "content_sha256": self.content_sha256,
            "channels": list(self.channels),
            "findings": [f.to_dict() for f in self.findings],
            "images": [i.to_dict() for i in self.images],
        }
