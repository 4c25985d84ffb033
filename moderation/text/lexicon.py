"""Word lists shipped with Second Look (written for it, never downloaded)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from moderation.text.normalise import fold_name


def _lines(filename: str) -> list[str]:
    text = resources.files("moderation.text").joinpath(filename).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Folded first names, including those that are also everyday words."""
    return frozenset(fold_name(n) for n in _lines("first_names.txt") + _lines("word_names.txt"))


@lru_cache(maxsize=1)
def word_names() -> frozenset[str]:
    """Folded first names that are also English words: decided by context."""
    return frozenset(fold_name(n) for n in _lines("word_names.txt"))


@lru_cache(maxsize=1)
def public_names() -> tuple[str, ...]:
    """Public, historical and fictional people, as written."""
    return tuple(_lines("public_names.txt"))


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common an English word is (wordfreq's Zipf scale: 7 'the', 5 'wood', 3 'kofi')."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en")) if word else 0.0


def everyday_word(key: str, threshold: float = 4.0) -> bool:
    """A folded name key that is also a common English word ("junior", "hope", "wood")."""
    return key in word_names() or zipf(key) >= threshold


def ordinary_word(key: str, threshold: float = 4.0) -> bool:
    """A word people use as a word: a first name that is also a word (Grace, Will), or a
    frequent word that is not a known first name ("junior", "wood"). Common first names
    (James, Emily) are frequent because they are names, so they are not ordinary words."""
    if key in word_names():
        return True
    return key not in first_names() and zipf(key) >= threshold
