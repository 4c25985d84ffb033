"""Round 3 of issue 12: forms the development sets showed the checks missing, written anew.

Each case is worded for this test (not copied from a corpus draft): live location said
in open language (the location model), an age with an ordinal date of birth, a house name
and its street, a newsletter's issue number that is not an address, and a person whose
name is a place.
"""

from __future__ import annotations

import numpy as np
import pytest

from consent_store.snapshot import StaffRecord
from moderation.text.tone_model import ToneModel, load_model
from tests.text_support import found, learner, real_engine, register, run

pytestmark = pytest.mark.slow

REG = register(learner("A300000000001", "Oskar", "Lindqvist", "full"),
               learner("A300000000002", "Priya", "Chandra", "first"),
               staff=(StaffRecord("Mrs", "Helen", "Marsh"),))


def _rules(text: str, check: str) -> list[str]:
    return [rule for rule, _ in found(run(text, REG, real_engine()), check)]


def test_live_location_in_open_language_asks_for_review_and_past_trips_do_not() -> None:
    report = run("Queuing for the boat at Ramsgate harbour right now, next stop the seals!",
                 REG, real_engine())
    assert [f for f in report.findings if f.rule.startswith("location.")], \
        "where the children are right now should be flagged"
    assert report.verdict != "pass"
    for text in ("We visited the Sea Life Centre last week and loved it.",
                 "Harvest festival donations can be left in the school hall until Friday."):
        assert not [r for r in _rules(text, "personal_data") if r.startswith("location.")]


def test_an_age_with_an_ordinal_birthday_is_a_date_of_birth() -> None:
    text = "Cake for Priya (10 on the 2nd of March) at break!"
    assert "personal.date-of-birth" in _rules(text, "personal_data")


def test_a_house_name_and_its_street_is_an_address() -> None:
    text = "Well done to the family at Mulberry, Sandy Lane for the best scarecrow."
    assert "personal.address" in _rules(text, "personal_data")


def test_a_newsletter_issue_number_is_not_an_address() -> None:
    text = "Spring Newsletter No. 4\n\nWell done everyone who ran the cake stall."
    assert "personal.address" not in _rules(text, "personal_data")


def test_a_person_whose_name_is_a_place_is_found_when_the_words_say_a_person() -> None:
    people = [t for _, t in found(run("Big thanks to Georgia Woods for the apples.", REG,
                                      real_engine()), "person_name")]
    assert people == ["Georgia Woods"]


def test_a_one_kind_model_names_its_kind_after_a_round_trip(tmp_path) -> None:  # noqa: ANN001
    dims, width = 16, 96
    model = ToneModel(dims=dims, weights=np.ones(dims, dtype=np.float32), bias=0.0,
                      kind_weights=np.zeros((1, dims), dtype=np.float32),
                      kind_bias=np.zeros(1, dtype=np.float32),
                      dense_weights=np.zeros(width, dtype=np.float32),
                      kind_dense_weights=np.zeros((1, width), dtype=np.float32),
                      kinds=("live_location",))
    model.save(tmp_path / "m.npz")
    back = load_model(tmp_path / "m.npz")
    assert back.kinds == ("live_location",)
    assert back.kind(np.array([1, 2]), np.zeros(width, dtype=np.float32)) == "live_location"
