"""Words that count however they are disguised: f*ck, sh1t, f.u.c.k, fuuuck, $hit.

Matching is whole-word only, so "Scunthorpe", "assess" and "cocktail" never
match; each listed word may carry one of the rule's suffixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a",
                       "$": "s", "5": "s", "7": "t", "+": "t", "8": "b", "9": "g"})
# Single letters spaced out ("f u c k", "f.u.c.k"), or else a run of non-space characters.
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_](?:[ .\-_*][^\W\d_](?![^\W_])){2,}")
_CHUNK = re.compile(_SPACED.pattern + r"|\S+")
_TRIPLE = re.compile(r"(.)\1")  # doubled letters: "fuuuck" must be squeezed first
_EDGE = "\"'()[]{}<>,.;:?!#"


def _collapse(word: str) -> str:
    """Lower-case with repeated letters squeezed, so 'fuuuck' and 'fuck' meet."""
    return re.sub(r"(.)\1+", r"\1", word.lower())


class DisguisedWords:
    def __init__(self, words: Iterable[str], suffixes: Iterable[str] = ()) -> None:
        sufs = sorted({_collapse(s) for s in suffixes}, key=len, reverse=True)
        stems = sorted({_collapse(w) for w in words}, key=len, reverse=True)
        self._forms = [s + x for s in stems for x in ["", *sufs]]
        # Plain spellings, checked with one set lookup before any per-word regex work.
        self._plain = frozenset(w.lower() + x for w in words for x in ["", *suffixes]) | frozenset(
            self._forms)
        stem_alts = "|".join(map(re.escape, stems))
        suffix_alts = "|".join(map(re.escape, sufs))
        self._exact = re.compile(f"^(?:{stem_alts})(?:{suffix_alts})?$")

    def find(self, text: str) -> Iterator[tuple[int, int]]:
        for m in _CHUNK.finditer(text):
            start, end = m.span()
            if _SPACED.fullmatch(m.group()):
                yield from self._spaced(text, start, end)
                continue
            # Trailing punctuation is not part of the word, unless it is a disguise ("sh!t").
            while start < end and text[start] in _EDGE and text[start] not in "!$@|":
                start += 1
            while end > start and text[end - 1] in _EDGE:
                end -= 1
            if end > start and self._is_listed(text[start:end]):
                yield start, end

    def _spaced(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The longest listed word inside "a F U C K": letters may start mid-run."""
        letters = [i for i in range(start, end) if text[i].isalpha()]
        for i in range(len(letters)):
            for j in range(len(letters), i + 1, -1):
                word = "".join(text[k] for k in letters[i:j])
                if self._exact.match(_collapse(word.lower())):
                    yield letters[i], letters[j - 1] + 1
                    return

    def _is_listed(self, chunk: str) -> bool:
        if chunk.isalpha():
            low = chunk.lower()
            if low in self._plain:
                return True
            if not _TRIPLE.search(low):
                return False  # plainly spelled and not listed: the common case
        if not any(c.isalpha() for c in chunk):
            return False
        plain = re.sub(r"[ .\-_]", "", chunk.lower().translate(_LEET))
        if "*" not in plain:
            return self._exact.match(_collapse(plain)) is not None
        if plain.startswith("*") or sum(c.isalpha() for c in plain) < 2:
            return False  # "****" could be anything
        wild = re.compile("^" + ".+".join(map(re.escape, re.split(r"\*+", _collapse(plain)))) + "$")
        return any(wild.match(form) for form in self._forms)
