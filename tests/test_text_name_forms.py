"""Learner names in the forms of issue 12: disguised, misspelled, initials, surnames alone,
handles, hashtags, web addresses, one case throughout; and the phrases that are not names."""

from __future__ import annotations

import pytest

from consent_store.snapshot import StaffRecord
from tests.text_support import learner, real_engine, register, run

AMELIA = learner("A100000000001", "Amelia", "Thompson", "first")
FAITH = learner("A100000000002", "Faith", "Okonkwo", "first")
LUKASZ = learner("A100000000003", "Łukasz", "Wójcik", "full")
STAR = learner("A100000000004", "Star", "Campbell", "first")
MAX = learner("A100000000005", "Max", "Kowalski", "first")
NOAH = learner("A100000000006", "Noah", "Mwangi", "full", never_publish=True)
JAYDEN = learner("A100000000007", "Jayden", "Okafor", "first")
REG = register(AMELIA, FAITH, LUKASZ, STAR, MAX, NOAH, JAYDEN,
               staff=(StaffRecord("Mrs", "Joy", "Wood"),))
FULL = "names.full-name-without-consent"
NAMED = "names.learner-named"
NEVER = "names.never-publish"


def names(text: str) -> list[tuple[str, str]]:
    report = run(text, REG, real_engine())
    out = []
    for f in report.findings:
        if f.check == "learner_name":
            assert f.span is not None and text[f.span.start : f.span.end] == f.span.text
            out.append((f.span.text, f.rule))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "said", "rule"),
    [
        ("🏅 Am3lia Th0mpson 🏅 Writer of the Term!", "Am3lia Th0mpson", FULL),
        ("Congratulations to A m e l i a Thompson on her badge", "A m e l i a Thompson", FULL),
        ("Well done J*yden Ok*for for the goal", "J*yden Ok*for", FULL),
        ("L\U0001f338ly and Am\U0001f338lia made the display", "Am\U0001f338lia", NAMED),
        ("A big thank you to Amelia Thomson for reading", "Amelia Thomson", FULL),
        ("Certificates this week: A. Thompson and J Okafor", "A. Thompson", FULL),
        ("well dun a.thompson 4 ur reading", "a.thompson", FULL),
        ("The Okonkwo family made jollof rice for the evening", "Okonkwo", FULL),
        ("Young Mwangi had Year 2 singing", "Mwangi", NEVER),
        ("So proud of @amelia_t and the poetry crew", "@amelia_t", FULL),
        ("Follow @FaithOkonkwo10 for the match report", "@FaithOkonkwo10", FULL),
        ("Tag your readers: @faithreads!", "@faithreads", NAMED),
        ("GO #TEAMNOAH!!! SPONSORED RUN", "#TEAMNOAH", NEVER),
        ("Read it at ourschool.sch.uk/news/amelia-thompson-wins", "amelia-thompson-wins", FULL),
        ("huge well done to amelia thompson for her badge", "amelia thompson", FULL),
        ("HUGE SHOUT OUT TO FAITH FOR HER TIGER PAINTING", "FAITH", NAMED),
        ("Top of the table: Lukasz Wojcik", "Lukasz Wojcik", NAMED),
        ("thx 2 jaydens mum 4 the cakes", "jayden", NAMED),
    ],
)
def test_issue_12_forms_are_found(text: str, said: str, rule: str) -> None:
    assert (said, rule) in names(text)


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "#StarOfTheWeek goes to Year 3 for their fractions work",
        "Star of the Week certificates go home on Friday",
        "Max 30 places on the football camp.",
        "The Silver School Games Mark is ours again",
        "Mrs Wood and the Eco Council planted trees",
        "It was the best performance of 11am assembly",
        "The new lunch system is a f u c k i n g mess",
    ],
)
def test_phrases_that_look_like_names_are_not_learners(text: str) -> None:
    assert names(text) == []
