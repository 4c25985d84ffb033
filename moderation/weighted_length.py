"""X's weighted length of a post, following twitter-text's published v3 config.

The rules (twitter-text ``config/v3.json``): the text is NFC-normalised; each
code point weighs 100 if it falls in one of the light ranges (Latin, Greek,
Cyrillic and the like up to U+10FF, and a few punctuation blocks) and 200
otherwise (so CJK counts 2); every URL weighs 23 characters whatever its
length; every emoji sequence (flags, skin tones, ZWJ families, keycaps) weighs
200 as a whole. The sum is divided by the scale, 100. The limit is 280.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

SCALE = 100
DEFAULT_WEIGHT = 200
URL_LENGTH = 23
MAX_WEIGHTED_LENGTH = 280
# (first, last, weight) inclusive, from twitter-text v3.json "ranges".
LIGHT_RANGES: tuple[tuple[int, int, int], ...] = (
    (0x0000, 0x10FF, 100),
    (0x2000, 0x200D, 100),
    (0x2010, 0x201F, 100),
    (0x2032, 0x2037, 100),
)

# Top-level domains a bare address (no scheme) must end with to count as a URL;
# twitter-text ships the full IANA list, a school's posts need the common ones.
_BARE_TLDS = (
    "com|org|net|edu|gov|info|biz|io|me|app|dev|ly|tv|co|uk|ie|eu|us|ca|au|nz|de|fr|es|it|nl|sch"
)
_URL = regex.compile(
    r"(?<![\w@.])(?:"
    r"https?://[^\s<>\"]+"
    r"|(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _BARE_TLDS + r")\b(?:/[^\s<>\"]*)?"
    r")",
    regex.IGNORECASE,
)
# Closing punctuation after a URL belongs to the sentence, not the address.
_TRAILING = ".,;:!?)]}'\"’”"
# A grapheme cluster is an emoji if it is presented as one: a pictograph with
# emoji presentation or a VS16 selector, a regional-indicator flag, or a keycap.
_EMOJI = regex.compile(
    r"\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}{2}"
    r"|[0-9#*]\uFE0F?\u20E3|\p{Extended_Pictographic}\p{Emoji_Modifier}"
)


@dataclass(frozen=True, slots=True)
class WeightedLength:
    weighted: int  # in characters, as X shows them
    urls: tuple[str, ...]

    @property
    def remaining(self) -> int:
        return MAX_WEIGHTED_LENGTH - self.weighted


def _code_point_weight(ch: str) -> int:
    cp = ord(ch)
    for first, last, weight in LIGHT_RANGES:
        if first <= cp <= last:
            return weight
    return DEFAULT_WEIGHT


def url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((m.start(), end))
    return spans


_GRAPHEME = regex.compile(r"\X")
# No emoji lies below U+00A9, so a lone code point there needs no emoji test.
_FIRST_EMOJI = 0xA9


def _cluster_weight(cluster: str) -> int:
    if len(cluster) == 1 and ord(cluster) < _FIRST_EMOJI:
        return 100
    if _EMOJI.search(cluster):
        return DEFAULT_WEIGHT
    return sum(_code_point_weight(ch) for ch in cluster)


def weighted_length(text: str) -> WeightedLength:
    """The length X counts against 280, after NFC normalisation."""
    text = unicodedata.normalize("NFC", text)
    total, pos, urls = 0, 0, []
    for start, end in url_spans(text):
        total += _plain_weight(text[pos:start])
        total += URL_LENGTH * SCALE
        urls.append(text[start:end])
        pos = end
    total += _plain_weight(text[pos:])
    # twitter-text rounds the scaled sum down.
    return WeightedLength(weighted=total // SCALE, urls=tuple(urls))


def _plain_weight(text: str) -> int:
    if text.isascii():  # the common case: every character weighs 1, and none is an emoji
        return len(text) * 100
    return sum(_cluster_weight(c) for c in _GRAPHEME.findall(text))
