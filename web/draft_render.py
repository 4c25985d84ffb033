"""Turning a check report into what the draft pages show: marked-up text, face boxes, fixes.

Pure functions of the report JSON (the same dict ``/api/check`` returns), so the pages and
their tests need no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from consent_store.channels import CHANNELS, label
from moderation.weighted_length import MAX_WEIGHTED_LENGTH, weighted_length

SEVERITY_RANK = {"info": 0, "review": 1, "block": 2}
# Plain words for what the report JSON calls severities, verdicts and face consents.
SEVERITY_WORDS = {"block": "Cannot be posted", "review": "Headteacher to decide",
                  "info": "For information"}
VERDICT_WORDS = {"pass": "Nothing stops this post",
                 "review": "Flagged: the headteacher must sign it off",
                 "block": "Cannot be posted until it is changed"}
CONSENT_WORDS = {"granted": "consent given", "refused": "no photo consent",
                 "expired": "consent expired", "never_publish": "must never appear",
                 "unknown": "not identified"}
CHANNEL_RULE = re.compile(r"^(?:channel|accessibility)\.(" + "|".join(CHANNELS) + r")\.")


@dataclass
class Segment:
    """A run of the draft text: plain, or marked by one or more findings."""

    text: str
    severity: str | None = None
    findings: list[int] = field(default_factory=list)  # 1-based numbers in the findings list


def _in_post_text(finding: dict[str, Any]) -> bool:
    """A text finding with ``image`` set is in that photo's alt text (the cross check's
    span is the name in the post, its image the photo)."""
    return finding.get("image") is None or finding.get("check") == "cross"


def highlight(text: str, findings: list[dict[str, Any]]) -> list[Segment]:
    """Split ``text`` at every span boundary; overlapping spans share the worst severity."""
    spans = [(f["span"]["start"], f["span"]["end"], n, f["severity"])
             for n, f in enumerate(findings, 1)
             if f.get("span") and _in_post_text(f)
             and 0 <= f["span"]["start"] < f["span"]["end"] <= len(text)]
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    segments: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [(n, sev) for s, e, n, sev in spans if s <= start and end <= e]
        if not covering:
            segments.append(Segment(text[start:end]))
            continue
        worst = max((sev for _, sev in covering), key=lambda s: SEVERITY_RANK.get(s, 0))
        segments.append(Segment(text[start:end], worst, [n for n, _ in covering]))
    return segments


@dataclass(frozen=True)
class Box:
    """A face box in the image's own pixel coordinates (drawn by an SVG over the photo)."""

    x: int
    y: int
    width: int
    height: int
    consent: str
    label: str
    findings: tuple[int, ...]
    number: int = 0  # as people count faces, from 1: drawn on the photo
    decision: str | None = None
    decided_by: str = ""
    nearest: float | None = None  # the matcher's distances, for approvers
    runner_up: float | None = None
    distance: float | None = None


def face_boxes(report: dict[str, Any], image: int) -> list[Box]:
    image_report = next((r for r in report.get("images", []) if r["index"] == image), None)
    if image_report is None:
        return []
    boxes = []
    for number, face in enumerate(image_report.get("faces", [])):
        b = face["box"]
        related = tuple(n for n, f in enumerate(report.get("findings", []), 1)
                        if f.get("image") == image and f.get("face") == number)
        boxes.append(Box(x=b["left"], y=b["top"], width=b["right"] - b["left"],
                         height=b["bottom"] - b["top"], consent=face.get("consent", "unknown"),
                         label=f"face {number + 1}", findings=related, number=number + 1,
                         decision=face.get("decision"), decided_by=face.get("decided_by", ""),
                         nearest=face.get("nearest"), runner_up=face.get("runner_up"),
                         distance=face.get("distance")))
    return boxes


def image_size(report: dict[str, Any], image: int) -> tuple[int, int] | None:
    for r in report.get("images", []):
        if r["index"] == image and r.get("width") and r.get("height"):
            return int(r["width"]), int(r["height"])
    return None


@dataclass(frozen=True)
class Fix:
    kind: str  # "blur", "drop-channel"; a face's: "blur-face", "not-learner", "undo-face"
    label: str
    image: int | None = None
    channel: str | None = None
    face: int | None = None
    needs: str = "edit"  # the action the user must be allowed: "edit", or "identify"
    confirm: str = ""  # asked before it is done

    @property
    def path(self) -> str:
        """Where its form posts, under /drafts/{id}/."""
        faces = {"blur-face": "faces/blur", "not-learner": "faces/not-learner",
                 "undo-face": "faces/undo"}
        return faces.get(self.kind, f"fix/{self.kind}")


_VOIDS = "Approvals given so far will no longer count."


def fixes_for(finding: dict[str, Any], report: dict[str, Any], channels: list[str]) -> list[Fix]:
    """The one-click fixes that would resolve this finding, if any; for a face, the
    decisions people can take about it (or take back)."""
    image, face = finding.get("image"), finding.get("face")
    is_face = finding.get("check") == "face" and image is not None
    out: list[Fix] = face_fixes(report, image, face) if is_face else []
    if finding.get("severity") == "info":
        return out
    if is_face:
        if len(_needing_blur(report, image)) > 1:
            out.append(Fix("blur", f"Blur the faces in photo {image + 1} that need it",
                           image=image, confirm=f"Replace photo {image + 1} with a copy "
                           f"where the faces that need it are blurred? {_VOIDS}"))
        out += _drop_refused_channels(report, image, face, channels)
    match = CHANNEL_RULE.match(finding.get("rule", ""))
    if match and match.group(1) in channels and len(channels) > 1:
        out.append(_drop(match.group(1)))
    return out


def face_of(report: dict[str, Any], image: int, face: int | None) -> dict[str, Any] | None:
    faces = next((r.get("faces", []) for r in report.get("images", []) if r["index"] == image),
                 [])
    return faces[face] if face is not None and 0 <= face < len(faces) else None


def face_fixes(report: dict[str, Any], image: int, face: int | None) -> list[Fix]:
    """Blur this face, or say it is not a learner; for a decided face, undo."""
    found = face_of(report, image, face)
    if found is None or face is None:
        return []
    n = face + 1
    decision = found.get("decision")
    if decision == "blurred":
        return [Fix("undo-face", f"Undo the blur of face {n}", image=image, face=face,
                    confirm=f"Put back photo {image + 1} as it was before this blur? {_VOIDS}")]
    if decision == "not_learner":
        return [Fix("undo-face", f"Take back “not a learner” for face {n}", image=image,
                    face=face)]
    if decision == "identified":
        return [Fix("undo-face", f"Take back who face {n} is", image=image, face=face,
                    needs="identify")]
    out = [Fix("blur-face", f"Blur face {n}", image=image, face=face,
               confirm=f"Replace photo {image + 1} with a copy where face {n} is blurred? "
               f"{_VOIDS}")]
    if not found.get("learner"):
        out.append(Fix("not-learner", f"Face {n} is not a learner (an adult or a visitor)",
                       image=image, face=face))
    return out


def _needing_blur(report: dict[str, Any], image: int) -> set[int]:
    return {f["face"] for f in report.get("findings", [])
            if f.get("check") == "face" and f.get("image") == image
            and f.get("face") is not None and f.get("severity") != "info"}


def _drop(channel: str) -> Fix:
    return Fix("drop-channel", f"Don't post to {label(channel)}", channel=channel,
               confirm=f"Stop posting this to {label(channel)}? {_VOIDS}")


def _drop_refused_channels(report: dict[str, Any], image: int, face: int | None,
                           channels: list[str]) -> list[Fix]:
    """Offer to drop only the channels this face lacks consent for, if any channel remains."""
    found = face_of(report, image, face)
    if found is None:
        return []
    per_channel: dict[str, str] = found.get("channels") or {}
    refused = [c for c in channels if per_channel.get(c, "granted") != "granted"]
    if not refused or len(refused) == len(channels):
        return []
    return [_drop(c) for c in refused]


@dataclass(frozen=True)
class XLength:
    """The post as X counts it: its weighted length and where the 280 run out."""

    weighted: int
    fits: str  # the part of the text X would accept
    over: str  # the rest, shown struck through as X's composer does

    @property
    def limit(self) -> int:
        return MAX_WEIGHTED_LENGTH

    @property
    def remaining(self) -> int:
        return MAX_WEIGHTED_LENGTH - self.weighted


def x_length(text: str) -> XLength:
    """Weighted length (moderation's count, the one the channel check uses) and the cut."""
    total = weighted_length(text).weighted
    if total <= MAX_WEIGHTED_LENGTH:
        return XLength(total, text, "")
    low, high = 0, len(text)  # the longest prefix that still fits
    while low < high:
        mid = (low + high + 1) // 2
        if weighted_length(text[:mid]).weighted <= MAX_WEIGHTED_LENGTH:
            low = mid
        else:
            high = mid - 1
    return XLength(total, text[:low], text[low:])
