"""Undo Unicode evasion before matching, keeping a map back to the submitted text.

Someone who wants a name or a swear word past a filter writes it with a
zero-width space inside, a Cyrillic "а" for the Latin "a", full-width letters
or combining accents. Matching runs on the normalised text; every span found
there is mapped back so the report highlights the characters as submitted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Invisible characters that split a word without showing anything.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad\u180e\u034f"
)

# Cyrillic and Greek letters that look like Latin ones (the common confusables).
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝһкмнтвАВЕКМНОРСТУХІЈЅԌ"
    "αβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwhkmhtbABEKMHOPCTYXIJSG"
    "aBeikvoptuxABEZHIKMNOPTYX",
)

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                               "ı": "i", "ħ": "h", "Ħ": "H", "ß": "ss", "æ": "ae", "Æ": "AE",
                               "œ": "oe", "Œ": "OE", "þ": "th"})

# Typographic variants people paste from word processors.
_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """``text`` is what matching sees; ``origin[i]`` is the index in ``source`` of text[i]."""

    source: str
    text: str
    origin: tuple[int, ...]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the submitted text."""
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else len(self.source)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(ch: str) -> str:
    """One submitted character as plain Latin text (possibly several characters or none)."""
    if ch in _INVISIBLE:
        return ""
    ch = ch.translate(_LOOKALIKES).translate(_PUNCT)
    if ch.isascii():
        return ch
    # NFKC turns full-width and mathematical letters into plain ones; NFKD then
    # lets us drop accents so "Zoë" and "Zoe" meet.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_LOOKALIKES).translate(_UNDECOMPOSED)


def normalise(text: str) -> NormalisedText:
    if text.isascii() and "`" not in text:
        return NormalisedText(source=text, text=text, origin=tuple(range(len(text))))
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\x80" and ch != "`":
            out.append(ch)
            origin.append(i)
            continue
        folded = _fold_char(ch)
        out.append(folded)
        origin.extend([i] * len(folded))
    return NormalisedText(source=text, text="".join(out), origin=tuple(origin))


@lru_cache(maxsize=65536)  # names repeat a lot across a register and across drafts
def fold_name(text: str) -> str:
    """The comparison key of a name: normalised, case-folded, no apostrophes or hyphens."""
    if text.isascii() and "`" not in text:
        # the common case, without per-character work
        return text.lower().replace("'", "").replace("-", "")
    return normalise(text).text.casefold().replace("'", "").replace("-", "")
