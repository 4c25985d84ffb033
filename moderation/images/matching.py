"""Match face encodings against the register's templates, vectorised with numpy.

A face is a confident match only when its nearest learner is within the
threshold *and* the second-nearest learner is at least ``margin`` further
away: children (siblings above all) look alike, and a near tie means a person
must identify the face, not the matcher.

The faces of one photo are matched together (``match_photo``): a learner is in a photo
once, so the faces go to distinct learners by a minimum-cost assignment over the
distances, in which leaving a face unknown costs ``threshold + margin``. A face is then
a confident match when its learner is within the threshold and every other way of
assigning the photo that does not give that face that learner costs at least ``margin``
more. For a face alone in a photo this is exactly the rule above; for two siblings
standing side by side, each one's brother or sister is already taken by the other face,
so neither is an "unknown" merely because the other is enrolled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from consent_store.snapshot import FaceTemplateSet
from moderation.images.assignment import assign

_DIM = 128


@dataclass(frozen=True, slots=True)
class Match:
    upn: str | None  # None: no confident match
    distance: float | None  # to the matched learner's nearest template
    nearest: float  # nearest learner's distance, matched or not (for calibration)
    runner_up: float  # second-nearest learner's distance (inf if only one learner)


class TemplateMatcher:
    """Templates sorted by learner once, so a draft costs one matrix product.

    Ranking uses ``|t|^2 - 2 f.t`` (the squared distance less the face's own
    constant ``|f|^2``), computed in float32 as one product with an augmented
    column; the two distances that matter are then recomputed exactly.
    """

    def __init__(self, templates: FaceTemplateSet) -> None:
        upns = np.asarray(templates.upns, dtype=object)
        order = np.argsort(upns, kind="stable")
        self._exact = np.asarray(templates.encodings, dtype=np.float64).reshape(-1, _DIM)[order]
        sorted_upns = upns[order]
        is_start = np.ones(len(sorted_upns), dtype=bool)
        is_start[1:] = sorted_upns[1:] != sorted_upns[:-1]
        self._starts = np.flatnonzero(is_start)
        self._ends = np.r_[self._starts[1:], len(sorted_upns)].astype(int)
        self._learner_of = np.cumsum(is_start) - 1  # column -> learner index
        self.learners: tuple[str, ...] = tuple(sorted_upns[self._starts])
        sq_norms = np.einsum("ij,ij->i", self._exact, self._exact)
        self._ranking = np.ascontiguousarray(np.c_[self._exact, sq_norms].T, dtype=np.float32)

    def match(self, encodings: np.ndarray, threshold: float, margin: float) -> list[Match]:
        faces = np.asarray(encodings, dtype=np.float64).reshape(-1, _DIM)
        if not self.learners or not len(faces):
            return [Match(None, None, float("inf"), float("inf")) for _ in range(len(faces))]
        augmented = np.c_[-2.0 * faces, np.ones(len(faces))].astype(np.float32)
        scores = augmented @ self._ranking  # (faces, templates)
        best = scores.argmin(axis=1)
        best_learner = self._learner_of[best]
        nearest = self._exact_distance(faces, best)
        runner_up = np.full(len(faces), np.inf)
        if len(self.learners) > 1:
            for row, learner in enumerate(best_learner):  # hide the best learner's columns
                scores[row, self._starts[learner] : self._ends[learner]] = np.inf
            runner_up = self._exact_distance(faces, scores.argmin(axis=1))
        confident = (nearest <= threshold) & (runner_up - nearest >= margin)
        return [
            Match(self.learners[b] if ok else None, float(d) if ok else None, float(d), float(r))
            for b, d, r, ok in zip(best_learner, nearest, runner_up, confident, strict=True)
        ]

    def match_photo(self, encodings: np.ndarray, threshold: float, margin: float
                    ) -> list[Match]:
        """The faces of one photo, each learner given to one face at most (see above)."""
        faces = np.asarray(encodings, dtype=np.float64).reshape(-1, _DIM)
        single = self.match(faces, threshold, margin)
        if len(self.learners) == 0 or len(faces) == 0:
            return single
        unknown = threshold + margin
        candidates = self._candidates(faces, unknown)
        joint: dict[int, tuple[int, float]] = {}
        for group in _groups(candidates):
            joint |= _assigned(group, candidates, threshold, margin, unknown)
        out = []
        for row, plain in enumerate(single):
            learner, distance = joint.get(row, (-1, 0.0))
            out.append(Match(self.learners[learner] if learner >= 0 else None,
                             distance if learner >= 0 else None,
                             plain.nearest, plain.runner_up))
        return out

    def _candidates(self, faces: np.ndarray, within: float) -> dict[int, dict[int, float]]:
        """Per face, the learners whose nearest template is within ``within``, exactly."""
        scores = np.c_[-2.0 * faces, np.ones(len(faces))].astype(np.float32) @ self._ranking
        per_learner = np.minimum.reduceat(scores, self._starts, axis=1)
        squared = per_learner + np.einsum("ij,ij->i", faces, faces)[:, None]
        slack = 1e-3 + 2e-6 * np.abs(per_learner)  # float32 rounding; recomputed exactly
        rows, learners = np.nonzero(squared <= (within + slack) ** 2 + slack)
        found: dict[int, dict[int, float]] = {}
        for row, learner in zip(rows.tolist(), learners.tolist(), strict=True):
            block = self._exact[self._starts[learner] : self._ends[learner]]
            distance = float(np.linalg.norm(block - faces[row], axis=1).min())
            if distance <= within:
                found.setdefault(row, {})[learner] = distance
        return found

    def _exact_distance(self, faces: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return np.linalg.norm(self._exact[columns] - faces, axis=1)


def _groups(candidates: dict[int, dict[int, float]]) -> list[list[int]]:
    """Faces linked by a candidate learner they share: each group is assigned on its own."""
    parent = {row: row for row in candidates}

    def root(row: int) -> int:
        while parent[row] != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    first_face: dict[int, int] = {}
    for row, learners in candidates.items():
        for learner in learners:
            other = first_face.setdefault(learner, row)
            parent[root(row)] = root(other)
    groups: dict[int, list[int]] = {}
    for row in candidates:
        groups.setdefault(root(row), []).append(row)
    return list(groups.values())


def _assigned(group: list[int], candidates: dict[int, dict[int, float]], threshold: float,
              margin: float, unknown: float) -> dict[int, tuple[int, float]]:
    """The confident (learner, distance) of each face of the group that has one."""
    learners = sorted({lr for row in group for lr in candidates[row]})
    cost = np.full((len(group), len(learners) + len(group)), np.inf)
    for i, row in enumerate(group):
        for learner, distance in candidates[row].items():
            cost[i, learners.index(learner)] = distance
        cost[i, len(learners) + i] = unknown  # this face left for a person
    taken, best = assign(cost)
    out = {}
    for i, row in enumerate(group):
        col = int(taken[i])
        if col >= len(learners) or cost[i, col] > threshold:
            continue
        without = cost.copy()
        without[i, col] = np.inf
        if assign(without)[1] - best >= margin - 1e-9:
            out[row] = (learners[col], float(cost[i, col]))
    return out
