"""The text checks on a corpus nobody tuned them on (issue 12), beside the targets.

``HELD_OUT`` is frozen: only its aggregate figures are computed and printed here, never a
draft, a miss or a false alarm. The development corpora (``blind_dev``, set A,
``blind_dev_2``, set B, ``blind_dev_3``, set D, and ``blind_dev_4``, set E, written the
same blind way) are what the checks and the tone model were tuned and trained on; ``make
bench`` prints their figures beside these. D was round 2's held-out set and E round 3's;
set F, written blind for round 4, now fills ``tests/corpus/heldout/`` (without its files the
scoring tests skip and say why). Set G (``heldout_g``), written at the same time by another
writer, is a second frozen measure of round 4 (aggregates only, not scored here).

Each figure must stay at or above the floor it has reached (below it for shares that must
stay low): the floors are the figures measured when the checks last changed, rounded a
little, and never stricter than the issue's targets. The targets not yet met are named.
Only the held-out corpus is scored here, so the test stays under a minute.
"""

from __future__ import annotations

import pytest

from moderation.pipeline import Engine
from tests.corpus.score import (
    CORPORA,
    DEV_CORPORA,
    FROZEN,
    HELD_OUT,
    CorpusScore,
    missing_files,
    run_corpus,
    score_corpus,
)
from tests.corpus.targets import TARGETS, Target, figure
from tests.text_support import real_nlp

# Set F's first measurement (2026-12-04, after round 4 was tuned on sets A, B, D and E; the
# figure each floor came from is in its comment), a little below (above for shares that
# must stay low), never stricter than the target. Raise them when the checks improve;
# once F's figures have been used to change a rule, write a fresh held-out set.
FLOORS: dict[str, float] = {
    "learner_name.recall": 0.92,  # 0.936
    "learner_name.precision": 0.92,  # 0.938
    "must_block_passing.rate": 0.05,  # 0.044
    "person_name.recall": 0.82,  # 0.833
    "person_name.precision": 0.90,  # 0.938
    "staff_flagged.rate": 0.02,  # 0.011
    "personal_data.precision": 0.87,  # 0.888
    "tone_free_flagged.rate": 0.06,  # 0.046
    "location.recall": 0.90,  # 0.978
    "location_free_flagged.rate": 0.03,  # 0.019
    "learner_name.after_title.recall": 0.95,  # 1.000
    "learner_name.first_name.recall": 0.95,  # 1.000
    "learner_name.full_name.recall": 0.95,  # 1.000
    "learner_name.handle.recall": 0.73,  # 0.741
    "learner_name.hashtag.recall": 0.95,  # 1.000
    "learner_name.initial_surname.recall": 0.94,  # 0.955
    "learner_name.lowercase.recall": 0.74,  # 0.750
    "learner_name.misspelled.recall": 0.71,  # 0.720
    "learner_name.no_diacritics.recall": 0.95,  # 1.000
    "learner_name.obfuscated.recall": 0.95,  # 0.960
    "learner_name.possessive.recall": 0.95,  # 1.000
    "learner_name.preferred_name.recall": 0.95,  # 1.000
    "learner_name.surname_initial.recall": 0.95,  # 1.000
    "learner_name.surname_only.recall": 0.84,  # 0.850
    "learner_name.uppercase.recall": 0.85,  # 0.864
    "learner_name.url.recall": 0.95,  # 1.000
    "learner_name.word_name.recall": 0.90,  # 0.917
    "personal_data.address.recall": 0.88,  # 0.895
    "personal_data.date_of_birth.recall": 0.88,  # 0.895
    "personal_data.email.recall": 0.98,  # 1.000
    "personal_data.nhs_number.recall": 0.98,  # 1.000
    "personal_data.ni_number.recall": 0.93,  # 0.944
    "personal_data.phone.recall": 0.98,  # 1.000
    "personal_data.postcode.recall": 0.88,  # 0.895
    "personal_data.special_category.recall": 0.98,  # 1.000
    "personal_data.upn.recall": 0.98,  # 1.000
    "tone.defamation.recall": 0.90,  # 0.929
    "tone.hurtful_child.recall": 0.66,  # 0.679
    "tone.identity_attack.recall": 0.84,  # 0.857
    "tone.insult.recall": 0.90,  # 0.964
    "tone.profanity.recall": 0.84,  # 0.857
    "tone.threat.recall": 0.90,  # 0.929
}


@pytest.fixture(scope="module")
def held() -> CorpusScore:
    if missing := missing_files(HELD_OUT):
        pytest.skip(f"no held-out corpus yet: {CORPORA[HELD_OUT]} lacks {', '.join(missing)} "
                    "(see tests/corpus/heldout/README.md)")
    drafts, reports = run_corpus(HELD_OUT, Engine(nlp=real_nlp()))
    return score_corpus(drafts, reports, keep_examples=HELD_OUT not in FROZEN)


def _line(target: Target, got: float) -> str:
    sign = ">=" if target.direction == "min" else "<="
    mark = "met" if target.met(got) else "NOT MET"
    floor = FLOORS.get(target.figure)
    floor_text = f"{floor:.3f}" if floor is not None else "  -  "
    return (f"{target.figure:38} held-out {got:6.3f}  target {sign} {target.value:.2f}  "
            f"floor {floor_text}  {mark}")


@pytest.mark.slow
def test_held_out_figures_beside_the_targets(held: CorpusScore,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lines = [_line(t, figure(held, t.figure)) for t in TARGETS]
    missed = [t.figure for t in TARGETS if not t.met(figure(held, t.figure))]
    with capsys.disabled():
        print(f"\nText checks on the held-out corpus ({HELD_OUT}), beside the targets:")
        print("\n".join(lines))
        print(f"Targets not yet met on the held-out corpus ({len(missed)} of {len(TARGETS)}): "
              + (", ".join(missed) or "none"))
    below = []
    for t in TARGETS:
        floor = FLOORS.get(t.figure)
        got = figure(held, t.figure)
        if floor is not None and not Target(t.figure, t.direction, floor).met(got):
            below.append(f"{t.figure} {got:.3f} (floor {floor:.3f})")
    assert not below, "held-out figures fell below their floors: " + "; ".join(below)


def test_floors_are_never_stricter_than_the_targets() -> None:
    for t in TARGETS:
        floor = FLOORS.get(t.figure)
        if floor is None:
            continue
        assert (floor <= t.value) if t.direction == "min" else (floor >= t.value), t.figure


def test_the_held_out_slot_is_frozen_and_never_a_development_set() -> None:
    assert HELD_OUT in FROZEN
    assert HELD_OUT not in DEV_CORPORA
    assert not FROZEN & set(DEV_CORPORA)
    assert (CORPORA[HELD_OUT] / "README.md").is_file()


def test_the_frozen_corpus_keeps_no_examples(held: CorpusScore) -> None:
    assert HELD_OUT in FROZEN
    assert all(not s.misses and not s.false_alarms for s in held.checks.values())
    assert held.checks["learner_name"].gold > 400  # it was scored, not skipped
