"""The text checks on corpora nobody tuned them on (issue 12), beside the targets.

``heldout`` is frozen: only its aggregate figures are computed and printed here, never a
draft, a miss or a false alarm. ``blind_dev`` (written the same blind way) is the corpus
the checks were developed on; both are printed side by side.

Each figure must stay at or above the floor it has reached (below it for shares that must
stay low): the floors are the figures measured when the checks last changed, rounded a
little, and never stricter than the issue's targets. The targets not yet met are named.
"""

from __future__ import annotations

import pytest

from moderation.pipeline import Engine
from tests.corpus.score import FROZEN, CorpusScore, run_corpus, score_corpus
from tests.corpus.targets import TARGETS, Target, figure
from tests.text_support import real_nlp

# Reached on the held-out corpus (see the note in README "Benchmarks"), rounded down
# (up for shares that must stay low). Raise them when the checks improve.
FLOORS: dict[str, float] = {
    "learner_name.recall": 0.92,
    "learner_name.precision": 0.85,
    "must_block_passing.rate": 0.14,
    "person_name.recall": 0.74,
    "person_name.precision": 0.77,
    "staff_flagged.rate": 0.10,
    "personal_data.precision": 0.95,
    "tone_free_flagged.rate": 0.02,
    "location.recall": 0.74,
    "location_free_flagged.rate": 0.04,
    "learner_name.after_title.recall": 0.95,
    "learner_name.first_name.recall": 0.95,
    "learner_name.full_name.recall": 0.95,
    "learner_name.handle.recall": 0.94,
    "learner_name.hashtag.recall": 0.94,
    "learner_name.initial_surname.recall": 0.95,
    "learner_name.lowercase.recall": 0.80,
    "learner_name.misspelled.recall": 0.45,
    "learner_name.no_diacritics.recall": 0.95,
    "learner_name.obfuscated.recall": 0.81,
    "learner_name.possessive.recall": 0.95,
    "learner_name.preferred_name.recall": 0.95,
    "learner_name.surname_initial.recall": 0.94,
    "learner_name.surname_only.recall": 0.85,
    "learner_name.uppercase.recall": 0.83,
    "learner_name.url.recall": 0.95,
    "learner_name.word_name.recall": 0.95,
    "personal_data.address.recall": 0.81,
    "personal_data.date_of_birth.recall": 0.93,
    "personal_data.email.recall": 0.93,
    "personal_data.nhs_number.recall": 0.98,
    "personal_data.ni_number.recall": 0.92,
    "personal_data.phone.recall": 0.93,
    "personal_data.postcode.recall": 0.98,
    "personal_data.special_category.recall": 0.67,
    "personal_data.upn.recall": 0.87,
    "tone.defamation.recall": 0.57,
    "tone.hurtful_child.recall": 0.40,
    "tone.identity_attack.recall": 0.26,
    "tone.insult.recall": 0.65,
    "tone.profanity.recall": 0.90,
    "tone.threat.recall": 0.40,
}


@pytest.fixture(scope="module")
def scores() -> dict[str, CorpusScore]:
    engine = Engine(nlp=real_nlp())
    out = {}
    for name in ("blind_dev", "heldout"):
        drafts, reports = run_corpus(name, engine)
        out[name] = score_corpus(drafts, reports, keep_examples=name not in FROZEN)
    return out


def _line(target: Target, dev: float, held: float) -> str:
    sign = ">=" if target.direction == "min" else "<="
    mark = "met" if target.met(held) else "NOT MET"
    floor = FLOORS.get(target.figure)
    floor_text = f"{floor:.3f}" if floor is not None else "  -  "
    return (f"{target.figure:38} dev {dev:6.3f}  held-out {held:6.3f}  target {sign} "
            f"{target.value:.2f}  floor {floor_text}  {mark}")


@pytest.mark.slow
def test_held_out_figures_beside_the_targets(scores: dict[str, CorpusScore],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lines = [_line(t, figure(scores["blind_dev"], t.figure), figure(scores["heldout"], t.figure))
             for t in TARGETS]
    missed = [t.figure for t in TARGETS if not t.met(figure(scores["heldout"], t.figure))]
    with capsys.disabled():
        print("\nText checks, development (blind_dev) and held-out figures:")
        print("\n".join(lines))
        print(f"Targets not yet met on the held-out corpus ({len(missed)} of {len(TARGETS)}): "
              + (", ".join(missed) or "none"))
    below = []
    for t in TARGETS:
        floor = FLOORS.get(t.figure)
        got = figure(scores["heldout"], t.figure)
        if floor is not None and not Target(t.figure, t.direction, floor).met(got):
            below.append(f"{t.figure} {got:.3f} (floor {floor:.3f})")
    assert not below, "held-out figures fell below their floors: " + "; ".join(below)


def test_floors_are_never_stricter_than_the_targets() -> None:
    for t in TARGETS:
        floor = FLOORS.get(t.figure)
        if floor is None:
            continue
        assert (floor <= t.value) if t.direction == "min" else (floor >= t.value), t.figure


def test_the_frozen_corpus_keeps_no_examples(scores: dict[str, CorpusScore]) -> None:
    held = scores["heldout"]
    assert all(not s.misses and not s.false_alarms for s in held.checks.values())
    assert held.checks["learner_name"].gold > 500  # it was scored, not skipped
