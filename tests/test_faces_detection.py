"""Detection strategy (enlarging, tiles, whole-photo pass, pool), matching and blurring."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from consent_store.snapshot import FaceTemplateSet
from moderation.images.blur import blurred_copy
from moderation.images.decode import Limits
from moderation.images.detection import DetectionPlan, detect, encode, make_pool
from moderation.images.matching import TemplateMatcher
from moderation.report import FaceBox
from tests.face_support import FakeBackend, painted, templates

LIMITS = Limits(50_000_000, 50_000_000)


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_small_faces_are_found_only_because_the_tiles_are_enlarged() -> None:
    photo = _rgb(painted((300, 200), [(3, 50, 50, 10)]))  # 10 px: below the 16 px window
    assert detect(photo, FakeBackend(), DetectionPlan(min_face=16)) == []
    [box] = detect(photo, FakeBackend(), DetectionPlan(min_face=8))
    assert abs(box.left - 50) <= 1 and abs(box.right - 59) <= 1


def test_face_across_a_tile_edge_is_reported_once_and_whole() -> None:
    # Tiles of 100 px overlapping by 40: a 30 px face at x=85..114 straddles the first cut.
    photo = _rgb(painted((300, 120), [(5, 40, 85, 30)]))
    boxes = detect(photo, FakeBackend(), DetectionPlan(min_face=16, tile=100, overlap=40))
    assert boxes == [FaceBox(top=40, right=114, bottom=69, left=85)]


def test_faces_larger_than_the_overlap_are_found_by_the_whole_photo_pass() -> None:
    photo = _rgb(painted((400, 300), [(9, 20, 40, 250)]))
    boxes = detect(photo, FakeBackend(), DetectionPlan(min_face=16, tile=100, overlap=40))
    assert len(boxes) == 1
    box = boxes[0]
    assert box.right - box.left > 230 and box.bottom - box.top > 230


def test_pool_finds_the_same_faces_as_one_process() -> None:
    faces = [(i + 1, 60 + 300 * (i // 6), 60 + 300 * (i % 6), 40) for i in range(24)]
    photo = _rgb(painted((1900, 1300), faces))
    plan = DetectionPlan(min_face=8, tile=600, overlap=80)  # enlarged 2x: worth a pool
    serial = detect(photo, FakeBackend(), plan)
    with make_pool(2) as pool:
        parallel = detect(photo, FakeBackend(), plan, pool)
        encodings = encode(photo, parallel, FakeBackend(), pool)
    assert len(serial) == 24 and parallel == serial
    assert sorted(int(np.argmax(e[:127])) for e in encodings) == list(range(1, 25))


def test_vectorised_matching_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(3)
    encodings = rng.normal(0, 0.1, (300, 128))
    upns = tuple(f"U{i % 60:03d}" for i in range(300))  # 60 learners, 5 templates each
    faces = encodings[rng.choice(300, 40)] + rng.normal(0, 0.02, (40, 128))
    faces[:5] = rng.normal(0, 0.1, (5, 128))  # strangers
    matcher = TemplateMatcher(FaceTemplateSet(upns, encodings))
    for face, got in zip(faces, matcher.match(faces, 0.8, 0.1), strict=True):
        per_learner = {}
        for upn, enc in zip(upns, encodings, strict=True):
            d = float(np.linalg.norm(face - enc))
            per_learner[upn] = min(d, per_learner.get(upn, np.inf))
        (best, d1), (_, d2) = sorted(per_learner.items(), key=lambda kv: kv[1])[:2]
        assert got.nearest == pytest.approx(d1) and got.runner_up == pytest.approx(d2)
        assert got.upn == (best if d1 <= 0.8 and d2 - d1 >= 0.1 else None)


def test_matching_with_no_templates_or_one_learner() -> None:
    face = np.zeros((1, 128))
    assert TemplateMatcher(FaceTemplateSet()).match(face, 0.5, 0.1)[0].upn is None
    only = TemplateMatcher(templates(("A1", 3, 0.3)))
    [match] = only.match(templates(("x", 3, 0.0)).encodings, 0.45, 0.06)
    assert match.upn == "A1" and match.runner_up == np.inf


def test_blurred_copy_defeats_the_matcher_and_spares_other_faces() -> None:
    data = painted((400, 200), [(7, 50, 40, 60), (8, 50, 250, 60)])
    backend = FakeBackend()
    boxes = detect(_rgb(data), backend, DetectionPlan(min_face=16))
    blocked = [b for b in boxes if b.left < 200]
    clean = blurred_copy(data, blocked, LIMITS)
    after = _rgb(clean.data)
    assert not (after == (255, 7, 0)).all(axis=2).any()  # not one pixel of the face survives
    assert (after == (255, 8, 0)).all(axis=2).sum() >= 55 * 55  # the other face is untouched
    matcher = TemplateMatcher(templates(("A7", 7, 0.0), ("A8", 8, 0.0)))
    found = detect(after, backend, DetectionPlan(min_face=16))
    matched = [m.upn for m in matcher.match(encode(after, found, backend), 0.45, 0.06)]
    assert "A7" not in matched and matched == ["A8"]


def test_the_assignment_is_the_cheapest_way_to_give_faces_distinct_learners() -> None:
    import itertools

    from moderation.images.assignment import assign

    rng = np.random.default_rng(5)
    for trial in range(150):
        rows = int(rng.integers(1, 5))
        learners = rng.random((rows, int(rng.integers(1, 5))))
        if trial % 3 == 0:
            learners[rng.random(learners.shape) < 0.3] = np.inf  # not a candidate
        unknown = np.where(np.eye(rows, dtype=bool), 0.8, np.inf)  # each face's own way out
        cost = np.c_[learners, unknown]
        cheapest = min(sum(cost[r, p[r]] for r in range(rows))
                       for p in itertools.permutations(range(cost.shape[1]), rows))
        taken, total = assign(cost)
        assert len(set(taken.tolist())) == rows
        assert total == pytest.approx(cheapest) == cost[np.arange(rows), taken].sum()
