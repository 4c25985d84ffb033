"""Learner names from the register: what a comms officer sees highlighted."""

from __future__ import annotations

from datetime import date

import pytest

from moderation.draft import Draft
from moderation.pipeline import check
from tests.conftest import learner, snapshot

AMELIA = learner("A123456789012", "Amelia", "Thompson", name_consent="first", aliases=("Millie",))
JAYDEN = learner("B234567890123", "Jayden", "Okafor", name_consent="full")
NOAH = learner("D456789012345", "Noah", "Clarke", name_consent="none")
HIDDEN = learner("F678901234567", "Poppy", "Reid", name_consent="full", never_publish=True)
ZOE = learner("C345678901234", "Zoë", "Williams", preferred_name="Zoe", name_consent="full")
REGISTER = snapshot(AMELIA, JAYDEN, NOAH, HIDDEN, ZOE)


def findings(text: str, engine, register=REGISTER):  # noqa: ANN001
    report = check(Draft.create(text), register, engine)
    return [f for f in report.findings if f.check == "learner_name"], report


def test_full_name_with_first_name_consent_blocks_and_suggests_first_name(engine) -> None:
    found, report = findings("Well done Amelia Thompson!", engine)
    assert report.verdict == "block"
    (f,) = found
    assert f.rule == "names.full-name-without-consent"
    assert (f.span.start, f.span.end, f.span.text) == (10, 25, "Amelia Thompson")
    assert f.learner == "A123456789012"
    assert "Amelia" in f.suggestion


def test_first_name_with_first_name_consent_is_info_only(engine) -> None:
    found, report = findings("Amelia ran brilliantly.", engine)
    assert [f.severity for f in found] == ["info"]
    assert report.verdict == "pass"


@pytest.mark.parametrize("text", ["Noah scored twice", "NOAH scored", "noah's goal"])
def test_any_name_of_a_learner_without_name_consent_blocks_in_any_case(engine, text) -> None:
    found, report = findings(text, engine)
    assert report.verdict == "block"
    assert found[0].rule == "names.no-name-consent" and found[0].learner == "D456789012345"


def test_possessive_is_found_and_span_excludes_the_apostrophe_s(engine) -> None:
    text = "Jayden Okafor's painting won."
    (f,), _ = findings(text, engine)
    assert f.span.text == "Jayden Okafor" and f.severity == "info"


def test_never_publish_blocks_even_with_full_name_consent(engine) -> None:
    (f,), report = findings("Poppy sang a solo", engine)
    assert report.verdict == "block" and f.rule == "names.never-publish"


def test_alias_and_preferred_name_are_matched(engine) -> None:
    found, _ = findings("Millie and Zoe Williams were stars", engine)
    assert [(f.span.text, f.learner) for f in found] == [
        ("Millie", "A123456789012"), ("Zoe Williams", "C345678901234")]


def test_expired_consent_counts_as_none(engine) -> None:
    expired = learner("B234567890123", "Jayden", "Okafor", name_consent="full",
                      consent_expires=date(2026, 7, 31))
    (f,), report = findings("Jayden Okafor", engine, snapshot(expired))
    assert report.verdict == "block" and f.rule == "names.no-name-consent"


def test_learners_who_left_are_not_matched(engine) -> None:
    gone = learner("D456789012345", "Noah", "Clarke", name_consent="none", left=True)
    found, report = findings("Noah came to visit", engine, snapshot(gone))
    assert found == []
    # No longer on the register: an unknown person, for someone to look at.
    assert [f.rule for f in report.findings] == ["people.unknown-person"]


def test_a_shared_first_name_takes_the_strictest_learner(engine) -> None:
    other = learner("G789012345678", "Amelia", "Stone", name_consent="none")
    (f,), report = findings("Amelia won", engine, snapshot(AMELIA, other))
    assert report.verdict == "block" and f.learner == "G789012345678"
    assert "1 other learner" in f.message


def test_a_full_name_does_not_run_across_sentences(engine) -> None:
    found, _ = findings("Go Jayden. Okafor family thanks", engine)
    # two mentions (the first name, then the family's surname), never one full name
    assert [f.span.text for f in found] == ["Jayden", "Okafor"]


def test_spans_are_offsets_into_the_text_as_submitted(engine) -> None:
    text = "🎉 Huge congratulations to Amelia Thompson!"
    (f,), _ = findings(text, engine)
    assert text[f.span.start:f.span.end] == "Amelia Thompson"
