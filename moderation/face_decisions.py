"""What people decided about faces in a draft's photos, as plain data the faces check reads.

A person may know what the matcher cannot: the face in the corner is a visiting parent, or
is Amelia, who has no biometric consent. The workflow stores those decisions and hands them
to the checks through the context, keyed by the photo's SHA-256 (a decision is about one
face in one photo's exact bytes); moderation never sees how they are stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from moderation.report import FaceBox

BLURRED = "blurred"  # Second Look blurred this box in this photo (the decision made it so)
NOT_LEARNER = "not_learner"  # the author says the face is an adult or a visitor
IDENTIFIED = "identified"  # an admin, headteacher or DSL says which learner it is
KINDS = (BLURRED, NOT_LEARNER, IDENTIFIED)
# Boxes of the same face in the same bytes are the same box; a looser test keeps a decision
# when detection is tuned (tiling, a smaller minimum face) and finds it a few pixels apart.
_SAME_FACE = 0.5


@dataclass(frozen=True, slots=True)
class FaceDecision:
    box: FaceBox
    kind: str  # one of KINDS
    by: str  # who decided, by name, for the note the approver reads
    upn: str | None = None  # the learner, for IDENTIFIED

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown face decision {self.kind!r}: use one of {KINDS}")


def overlap(a: FaceBox, b: FaceBox) -> float:
    """Intersection over union of two boxes (0: apart, 1: the same)."""
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    width = min(a.right, b.right) - max(a.left, b.left)
    if height <= 0 or width <= 0:
        return 0.0
    inter = height * width
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _area(box: FaceBox) -> int:
    return max(0, box.bottom - box.top) * max(0, box.right - box.left)


def decision_for(box: FaceBox, decisions: Iterable[FaceDecision]) -> FaceDecision | None:
    """The decision about the face in ``box``: the most overlapping one, if any is close."""
    best, score = None, 0.0
    for decision in decisions:  # the first of equals wins: callers give the newest first
        s = overlap(box, decision.box)
        if s >= _SAME_FACE and s > score:
            best, score = decision, s
    return best
