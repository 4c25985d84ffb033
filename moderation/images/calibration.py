"""Calibration of the face-match threshold and margin on the school's own register.

Leave-one-out: every enrolled template is treated in turn as a new photo and
matched against all the others, exactly as the face check matches. A match to
the wrong learner is the costly error (that child's consent would be applied
to another child), so the recommended setting is the one with no wrong match
that identifies the most faces; among equals, the stricter one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from consent_store.snapshot import FaceTemplateSet

THRESHOLDS = np.round(np.arange(0.30, 0.605, 0.01), 2)
MARGINS = np.round(np.arange(0.0, 0.155, 0.01), 2)
_CHUNK = 512  # probes per block, to bound memory on large registers


@dataclass(frozen=True, slots=True)
class Probe:
    upn: str
    own: float  # nearest other template of the same learner (inf: none)
    other: float  # nearest template of any other learner
    other_upn: str
    second: float  # nearest template of a third learner (inf: none)


@dataclass(frozen=True, slots=True)
class Calibration:
    same: np.ndarray  # distances between templates of the same learner (each pair once)
    nearest_other: np.ndarray  # per template, the nearest other learner
    closest_pairs: list[tuple[float, str, str]]  # (distance, upn, upn), closest first
    threshold: float | None  # recommended; None when the register cannot tell
    margin: float | None
    identified: float  # share of same-learner probes matched at the recommendation
    probes: int


def probes(templates: FaceTemplateSet) -> list[Probe]:
    upns = np.asarray(templates.upns, dtype=object)
    enc = np.asarray(templates.encodings, dtype=np.float64)
    out = []
    for start in range(0, len(upns), _CHUNK):
        block = enc[start : start + _CHUNK]
        dist = np.sqrt(np.maximum(
            (block**2).sum(1)[:, None] + (enc**2).sum(1)[None, :] - 2 * block @ enc.T, 0.0
        ))
        for row, i in enumerate(range(start, start + len(block))):
            out.append(_probe(upns, dist[row], i))
    return out


def _probe(upns: np.ndarray, dist: np.ndarray, i: int) -> Probe:
    dist = dist.copy()
    dist[i] = np.inf
    mine = upns == upns[i]
    own = float(dist[mine].min()) if mine.sum() > 1 else float("inf")
    others = np.where(mine, np.inf, dist)
    j = int(others.argmin())
    third = np.where(mine | (upns == upns[j]), np.inf, dist)
    return Probe(str(upns[i]), own, float(others[j]), str(upns[j]), float(third.min()))


def outcome(p: Probe, threshold: float, margin: float) -> str:
    """'right', 'wrong' or 'unknown', as the face check would decide for this probe."""
    if p.own <= p.other:
        ok = p.own <= threshold and p.other - p.own >= margin
        return "right" if ok else "unknown"
    ok = p.other <= threshold and min(p.own, p.second) - p.other >= margin
    return "wrong" if ok else "unknown"


def calibrate(templates: FaceTemplateSet) -> Calibration:
    found = [p for p in probes(templates) if p.other < np.inf]
    same = _same_pairs(templates)
    nearest: dict[tuple[str, str], float] = {}
    for p in found:  # one line per pair of learners, at their closest
        key = (min(p.upn, p.other_upn), max(p.upn, p.other_upn))
        nearest[key] = min(p.other, nearest.get(key, np.inf))
    pairs = sorted((round(d, 4), a, b) for (a, b), d in nearest.items())[:10]
    with_twin = [p for p in found if p.own < np.inf]
    threshold, margin, rate = _recommend(found, len(with_twin))
    return Calibration(
        same=same, nearest_other=np.array([p.other for p in found]),
        closest_pairs=pairs,
        threshold=threshold, margin=margin, identified=rate, probes=len(found),
    )


def _same_pairs(templates: FaceTemplateSet) -> np.ndarray:
    upns = np.asarray(templates.upns, dtype=object)
    enc = np.asarray(templates.encodings, dtype=np.float64)
    out: list[float] = []
    for upn in dict.fromkeys(templates.upns):
        group = enc[upns == upn]
        for a in range(len(group)):
            out.extend(np.linalg.norm(group[a + 1 :] - group[a], axis=1).tolist())
    return np.array(out)


def _recommend(found: list[Probe], twins: int) -> tuple[float | None, float | None, float]:
    """Threshold halfway between the lowest that identifies the most same-learner probes
    and the highest that still makes no wrong match; then the widest margin that loses
    none of those identifications."""
    if not twins:
        return None, None, 0.0
    counts = [_counts(found, t, 0.0) for t in THRESHOLDS]
    safe = [i for i, (_, wrong) in enumerate(counts) if wrong == 0]
    if not safe or safe[0] != 0:
        return None, None, 0.0  # wrong matches even at the strictest threshold
    last_safe = max(i for i in safe if all(j in safe for j in range(i + 1)))
    most = max(counts[i][0] for i in range(last_safe + 1))
    first_full = min(i for i in range(last_safe + 1) if counts[i][0] == most)
    threshold = float(THRESHOLDS[(first_full + last_safe) // 2])
    right = _counts(found, threshold, 0.0)[0]
    margin = max(float(m) for m in MARGINS if _counts(found, threshold, m) == (right, 0))
    return threshold, margin, right / twins


def _counts(found: list[Probe], threshold: float, margin: float) -> tuple[int, int]:
    results = [outcome(p, threshold, margin) for p in found]
    return results.count("right"), results.count("wrong")
