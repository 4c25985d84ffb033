"""Unicode evasion is undone for matching, and spans map back to the submitted text."""

from __future__ import annotations

import pytest

from moderation.text.normalise import fold_name, normalise


@pytest.mark.parametrize(
    ("submitted", "plain"),
    [
        ("Ame\u200blia", "Amelia"),  # zero-width space inside
        ("\u0410melia", "Amelia"),  # Cyrillic capital A
        ("\u03a4h\u03bfmps\u03bfn", "Thompson"),  # Greek Tau and omicron
        ("\uff21\uff4d\uff45\uff4c\uff49\uff41", "Amelia"),  # full-width letters
        ("Zo\u00eb", "Zoe"),
        ("Zoe\u0308", "Zoe"),  # combining diaeresis
        ("Si\u00e2n O\u2019Brien", "Sian O'Brien"),
    ],
)
def test_evasions_become_plain_text(submitted: str, plain: str) -> None:
    assert normalise(submitted).text == plain


def test_spans_map_back_to_the_submitted_characters() -> None:
    submitted = "Well done \uff21me\u200blia!"
    norm = normalise(submitted)
    start = norm.text.index("Amelia")
    s, e = norm.to_source(start, start + len("Amelia"))
    assert submitted[s:e] == "\uff21me\u200blia"


def test_name_keys_ignore_case_accents_and_apostrophes() -> None:
    assert fold_name("O\u2019Brien") == fold_name("OBRIEN") == "obrien"
    assert fold_name("Zo\u00eb") == "zoe"
