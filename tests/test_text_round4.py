"""Round 4 of issue 12: forms set E (round 3's held-out set, now development) showed the
checks missing, each worded afresh for this test (not copied from a corpus draft).

A name with one mark pushed inside it ("A.mber", "L*ucy", an emoji between letters), a
name with a digit for a letter and an accent ("Z0ë"), a first name typed with two letters
swapped or one dropped, a learner's first name alone in a web address's slug, a month
beside its day that is not the learner called May or Jun, a National Insurance number in
hyphens, a lower-case postcode without its space, a birth month and year, and a threat to
someone's family.
"""

from __future__ import annotations

import pytest

from consent_store.snapshot import StaffRecord
from tests.text_support import found, learner, real_engine, register, run

pytestmark = pytest.mark.slow

REG = register(learner("A400000000001", "Amber", "Okoro", "none"),
               learner("A400000000002", "Lucy", "Barnes", "first"),
               learner("A400000000003", "Zoë", "Hartley", "none"),
               learner("A400000000004", "Ethan", "Price", "first"),
               learner("A400000000005", "Megan", "Stokes", "first"),
               learner("A400000000006", "Bill", "Ashby", "first"),
               learner("A400000000007", "Ronnie", "Dale", "first"),
               learner("A400000000008", "May", "Fenwick", "first"),
               learner("A400000000009", "Jun", "Huang", "first"),
               learner("A400000000010", "Star", "Walker", "first"),
               learner("A400000000011", "Siobhán", "Kelly", "none"),
               staff=(StaffRecord("Mrs", "Helen", "Marsh"),))


def _learners(text: str) -> list[tuple[str, str | None]]:
    report = run(text, REG, real_engine())
    return [(f.span.text if f.span else "", f.learner)
            for f in report.findings if f.check == "learner_name"]


@pytest.mark.parametrize(("text", "said", "upn"), [
    ("Lovely defending from A.mber in the netball.", "A.mber", "A400000000001"),
    ("The reading corner was designed by L*ucy this week.", "L*ucy", "A400000000002"),
    ("Cake of the week: Si\u26bdobh\u00e1n's lemon drizzle.", "Si\u26bdobh\u00e1n",
     "A400000000011"),
    ("Z0\u00eb is our new playground buddy.", "Z0\u00eb", "A400000000003"),
])
def test_a_name_with_a_mark_inside_it_is_still_the_learner(text, said, upn) -> None:  # noqa: ANN001
    assert (said, upn) in _learners(text)


@pytest.mark.parametrize(("text", "said", "upn"), [
    ("Three cheers for Ehtan, who swam his first width.", "Ehtan", "A400000000004"),
    ("A lovely poem read aloud by Megn in assembly.", "Megn", "A400000000005"),
    ("The tallest sunflower belongs to Blil in Year 3.", "Blil", "A400000000006"),
])
def test_a_first_name_with_two_letters_swapped_or_one_dropped_is_found(text, said, upn
                                                                        ) -> None:  # noqa: ANN001
    assert (said, upn) in _learners(text)


def test_a_handle_of_a_name_that_is_a_word_and_a_class_is_the_learner() -> None:
    assert [upn for _, upn in _learners("Thanks to our reporter @star_y3 for the photos!")] \
        == ["A400000000010"]


def test_a_first_name_alone_in_a_web_address_is_found_and_the_path_word_is_not() -> None:
    text = "Read the story: https://www.example.sch.uk/stars/a-big-hand-for-ronnie-y3"
    got = _learners(text)
    assert [upn for _, upn in got] == ["A400000000007"]
    assert all("stars" != said for said, _ in got)


@pytest.mark.parametrize("text", [
    "Parents' evening is on Tuesday 12th May and Thursday 14th May.",
    "Harvest assembly: Friday 5 Jun. at 9am in the hall.",
])
def test_a_month_beside_its_day_is_a_date_not_a_learner(text) -> None:  # noqa: ANN001
    assert _learners(text) == []


def test_the_learner_called_may_is_still_found_when_she_is_named() -> None:
    assert ("May", "A400000000008") in _learners("Well done May for a super science project!")


def _personal(text: str) -> list[str]:
    return [rule for rule, _ in found(run(text, REG, real_engine()), "personal_data")]


@pytest.mark.parametrize(("text", "rule"), [
    ("Mr Dale's NI number is KL-28-49-51-C for the club form.", "personal.ni-number"),
    ("The raffle prize went to the wrong house, me75ab, sorry!", "personal.postcode"),
    ("Happy birthday to our youngest, born in February 2021!", "personal.date-of-birth"),
    ("Welcome back Lucy, recovering from her heart operation.", "personal.special-category"),
])
def test_personal_data_in_forms_set_e_showed(text, rule) -> None:  # noqa: ANN001
    assert rule in _personal(text)


def test_a_threat_to_someone_s_family_blocks() -> None:
    report = run("Bring the stolen bikes back by Monday or your family will be hearing "
                 "from us.", REG, real_engine())
    assert any(f.check == "tone" and f.severity == "block" for f in report.findings)
    assert report.verdict == "block"
