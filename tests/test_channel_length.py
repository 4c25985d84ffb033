"""X counts a post the way twitter-text's v3 config says, not by len()."""

from __future__ import annotations

import pytest

from moderation.weighted_length import weighted_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sports day!", 11),
        ("Line one\r\nline two", 18),  # plain ASCII: one per character
        ("日本語", 6),  # CJK weighs 2
        ("한국어 글", 9),  # Hangul weighs 2, the space 1
        ("👍", 2),
        ("👍🏽", 2),  # skin tone modifier: one emoji
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family: one emoji
        ("🇬🇧", 2),  # flag: one emoji
        ("1\ufe0f\u20e3", 2),  # keycap
        ("cafe\u0301", 4),  # NFC: e + combining acute is one character
        ("Привет", 6),  # Cyrillic is in the light range
        ("“quoted” – dash", 15),  # quotes and dashes are in the light ranges
        ("…", 2),  # but the ellipsis U+2026 is not
    ],
)
def test_weights(text: str, expected: int) -> None:
    assert weighted_length(text).weighted == expected


def test_every_url_counts_23_however_long() -> None:
    long_url = "https://www.example-school.sch.uk/news/2026/sports-day?utm_source=x"
    result = weighted_length(f"Photos here: {long_url}.")
    assert result.urls == (long_url,)
    assert result.weighted == len("Photos here: ") + 23 + 1


def test_a_bare_domain_is_a_url_but_an_abbreviation_is_not() -> None:
    assert weighted_length("See www.oakfield.sch.uk today").urls == ("www.oakfield.sch.uk",)
    assert weighted_length("Bring e.g. wellies, P.E. kit").urls == ()


def test_280_is_allowed_and_281_is_not() -> None:
    assert weighted_length("a" * 280).remaining == 0
    assert weighted_length("a" * 140 + "日" * 70).weighted == 280
    assert weighted_length("a" * 279 + "😀").remaining == -1
