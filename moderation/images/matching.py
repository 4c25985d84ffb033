"""Match face encodings against the register's templates, vectorised with numpy.

A face is a confident match only when its nearest learner is within the
threshold *and* the second-nearest learner is at least ``margin`` further
away: children (siblings above all) look alike, and a near tie means a person
must identify the face, not the matcher.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from consent_store.snapshot import FaceTemplateSet

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

    def _exact_distance(self, faces: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return np.linalg.norm(self._exact[columns] - faces, axis=1)
