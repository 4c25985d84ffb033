"""Calibration: leave-one-out outcomes, sibling pairs, and the recommended settings."""

from __future__ import annotations

import numpy as np
import pytest

from consent_store.snapshot import FaceTemplateSet
from moderation.images.calibration import Probe, calibrate, outcome, probes
from secondlook.commands.calibrate import render
from secondlook.config import Settings


def _register(rng: np.random.Generator) -> FaceTemplateSet:
    """Twenty learners, three photos each; learners 0 and 1 are close siblings."""
    centres = rng.normal(0, 1, (20, 128))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True) * 1.5  # ~0.94 apart
    centres[1] = centres[0] + 0.40 * _unit(rng)  # the sibling
    rows, owners = [], []
    for learner, centre in enumerate(centres):
        for _ in range(3):
            rows.append(centre + 0.15 * _unit(rng))  # photos ~0.2 apart
            owners.append(f"U{learner:02d}")
    return FaceTemplateSet(tuple(owners), np.array(rows))


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(0, 1, 128)
    return v / np.linalg.norm(v)


def test_outcome_follows_the_face_check_rules() -> None:
    close_sibling = Probe("A", own=0.30, other=0.33, other_upn="B", second=0.9)
    assert outcome(close_sibling, 0.45, 0.06) == "unknown"  # no margin over the sibling
    assert outcome(close_sibling, 0.45, 0.02) == "right"
    confused = Probe("A", own=0.50, other=0.35, other_upn="B", second=0.9)
    assert outcome(confused, 0.45, 0.06) == "wrong"
    assert outcome(confused, 0.30, 0.06) == "unknown"


def test_recommendation_makes_no_wrong_match_and_names_the_siblings() -> None:
    templates = _register(np.random.default_rng(5))
    result = calibrate(templates)
    assert result.probes == 60 and len(result.same) == 20 * 3
    assert result.closest_pairs[0][1:] == ("U00", "U01")  # the siblings come first
    assert result.threshold is not None and result.margin is not None

    outcomes = [outcome(p, result.threshold, result.margin) for p in probes(templates)]
    assert "wrong" not in outcomes
    assert result.identified == pytest.approx(outcomes.count("right") / 60)
    assert result.identified > 0.8
    assert result.same.max() < result.threshold < result.closest_pairs[0][0] + 0.2


def test_one_photo_per_learner_is_not_enough_to_recommend() -> None:
    templates = FaceTemplateSet(("A", "B"), np.eye(128)[:2])
    result = calibrate(templates)
    assert result.threshold is None
    text = render(result, {"A": "Amelia Thompson, Year 5"}, Settings())
    assert "not enough data" in text and "Amelia Thompson, Year 5 (A)" in text
