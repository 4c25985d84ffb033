"""Other people: names neither on the register nor on the staff list ask for review."""

from __future__ import annotations

import pytest

from consent_store.snapshot import StaffRecord
from tests.text_support import learner, real_engine, register, run

REG = register(learner("A200000000001", "Amelia", "Thompson", "full"),
               staff=(StaffRecord("Mrs", "Sarah", "Patel"), StaffRecord("Mr", "Tom", "Hughes")))


def people(text: str, engine=None) -> list[str]:  # noqa: ANN001
    report = run(text, REG, engine)
    out = []
    for f in report.findings:
        if f.check == "person_name":
            assert f.severity == "review" and "learner or a family member" in f.suggestion
            out.append(f.span.text if f.span else "")
    return out


def test_unknown_first_names_and_titled_names_ask_for_review() -> None:
    assert people("Amelia and Noah were brilliant") == ["Noah"]
    assert people("Thanks to Mrs Okafor for the cakes") == ["Mrs Okafor"]
    assert people("Jayden Okafor scored the winner") == ["Jayden Okafor"]


def test_staff_learners_and_public_figures_are_not_reported() -> None:
    text = ("Mrs Patel, Sarah Patel, Mr Hughes and Tom took Amelia Thompson to see "
            "a talk on Roald Dahl and Florence Nightingale.")
    assert people(text) == []


def test_places_named_after_people_are_not_people() -> None:
    assert people("We walked to Victoria Park and St George's church") == []


@pytest.mark.slow
def test_model_entities_add_names_missing_from_the_list() -> None:
    text = "A big thank you to Chukwuemeka Adeyemi-Balogun for the workshop."
    assert people(text, real_engine()) == ["Chukwuemeka Adeyemi-Balogun"]


@pytest.mark.slow
def test_common_word_names_need_a_cue_when_not_on_the_register() -> None:
    assert people("May we remind families that Art club starts on Monday.", real_engine()) == []
    assert people("Well done Ivy!", real_engine()) == ["Ivy"]


STAFF = register(staff=(StaffRecord("Mrs", "Anna", "Van Der Berg"),
                        StaffRecord("Mrs", "F", "Adebayo"), StaffRecord("Mrs", "Grace", "Wood")))


@pytest.mark.parametrize("text", [
    "Mrs Van Der Berg's class made lanterns",
    "A message from the Headteacher\n\nMrs F. Adebayo\nHeadteacher",
    "Thanks to Mrs Wood's class for the assembly",
    "MRS WOOD AND THE ECO COUNCIL PLANTED TREES",
])
def test_staff_however_written_are_never_unknown_people(text: str) -> None:
    assert [f for f in run(text, STAFF).findings if f.check == "person_name"] == []


@pytest.mark.parametrize(("text", "said"), [
    ("Year 2 loved meeting PC Wood and her police horse", "PC Wood"),  # not a title staff use
    ("Ms Patience Wood, a parent governor, spoke", "Ms Patience Wood"),  # not their first name
    ("THANK YOU MR GREWAL FOR THE SAMOSAS", "MR GREWAL"),
    ("rumour is mrs rauf won the raffle lol", "mrs rauf"),
])
def test_adults_sharing_a_staff_surname_or_in_one_case_are_reported(text: str, said: str) -> None:
    assert said in [f.span.text for f in run(text, STAFF).findings
                    if f.check == "person_name" and f.span]
