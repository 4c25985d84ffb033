"""Tone: threats and profanity block, insults ask for review, school language passes."""

from __future__ import annotations

import pytest

from tests.text_support import found, run

SCHOOL_LANGUAGE = [
    "Year 6 smashed it at sports day!",
    "Our relay team killed it at sports day.",
    "A shot at the title next week, come and cheer.",
    "The squad is fighting fit for the knockout round.",
    "Year 4 crushed their targets in reading this term.",
    "Dead proud of everyone who ran today.",
    "Year 5 have been learning about the battle of Hastings.",
]


@pytest.mark.parametrize("text", SCHOOL_LANGUAGE)
def test_ordinary_school_language_passes(text: str) -> None:
    assert found(run(text), "tone") == []


def test_disguised_profanity_blocks_and_highlights_the_disguise() -> None:
    report = run("What a sh\u200b1t day for the minibus \U0001f622")
    assert report.verdict == "block"
    assert found(report, "tone") == [("tone.profanity", "sh\u200b1t")]


def test_threat_blocks_and_is_tagged_for_safeguarding() -> None:
    report = run("To the parent who keeps parking there: watch your back.")
    (finding,) = report.findings
    assert (finding.rule, finding.severity) == ("tone.threat", "block")
    assert "safeguarding" in finding.tags


def test_insult_asks_for_review() -> None:
    report = run("The drivers blocking the gate are idiots.")
    assert report.verdict == "review"
    assert found(report, "tone") == [("tone.insult", "are idiots")]


@pytest.mark.slow
def test_defamation_needs_someone_identifiable() -> None:
    from tests.text_support import real_engine

    report = run("Councillor Green lied to parents about the crossing.", engine=real_engine())
    tone = [f for f in report.findings if f.check == "tone"]
    assert [(f.rule, f.severity) for f in tone] == [("tone.defamation", "review")]
    assert tone[0].span is not None
    assert tone[0].span.text.startswith("Councillor Green lied")
    story = "In our play Goldilocks stole the porridge and lied to the bears!"
    assert found(run(story, engine=real_engine()), "tone") == []
