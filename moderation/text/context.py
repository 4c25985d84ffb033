"""Is a word that could be a first name used as one here? ("Well done Summer!" vs "this summer").

Decided from the one spaCy parse of the draft: capitalisation, part of speech,
entity type and position in the sentence. A blank pipeline (tests, or a model
that failed to load) falls back to capitalisation alone.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

SEASONS = frozenset({"summer", "autumn", "winter", "spring"})
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december"})
# Nouns that turn the word before them into a description: "Summer term", "Holly wreath".
_NOT_NAME_NEXT = frozenset(
    "term terms holiday holidays half fair fete fayre camp concert show break festival disco "
    "club walk trip sale service assembly time sun day days week weeks school fun fest party "
    "garden gardens bush bushes tree trees flowers flower leaves berry berries bulbs picnic "
    "sports reading uniform timetable newsletter chains chain wreath wreaths sunshine "
    "weather appeal appeals seeds jam fields".split()
)
# Words after which a capitalised word is someone being addressed or praised.
_NAME_CUES = frozenset("done to congratulations congrats thanks thank and & with , well "
                       "celebrating welcome meet".split())
# Before a word, these make it a thing: "the River Stour", "our Poppy Appeal".
_DETERMINERS = frozenset("the a an this that these those our their your its".split())
# What follows "Will" when it is the auxiliary: a subject, a verb, "not"...
_AUX_FOLLOWERS = frozenset({"PRP", "DT", "NNP", "NN", "NNS", "VB", "RB", "PRP$", "CD", "EX"})
_DIGIT_NEAR = re.compile(r"\d")


def _token_at(doc: Doc, start: int, end: int) -> Token | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _calendar_use(doc: Doc, tok: Token) -> bool:
    """"3 May", "May 2026", "in May", "this summer": a date, not a person."""
    word = tok.lower_
    prev = doc[tok.i - 1] if tok.i > 0 else None
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    if word in MONTHS or word in SEASONS:
        if tok.is_sent_start and (prev is None or prev.lower_ not in _NAME_CUES):
            return True  # "Summer is here", "May we remind you"
        if any(t is not None and (t.like_num or _DIGIT_NEAR.search(t.text)) for t in (prev, nxt)):
            return True
        before = {"in", "this", "next", "last", "during", "until", "since", "by", "every",
                  "early", "late", "mid", "the", "from", "till", "over"}
        if prev is not None and (prev.lower_ in before or (word in MONTHS and prev.lower_ == "of")):
            return True
    return nxt is not None and nxt.lower_ in _NOT_NAME_NEXT


def reads_as_name(doc: Doc, start: int, end: int) -> bool:
    """Whether the word at [start, end) of the submitted text is used as a name."""
    word = doc.text[start:end]
    if not word[:1].isupper():
        return False
    if word.isupper() and len(word) > 1:
        return False  # headings in capitals ("SUMMER FAIR") are not names
    if doc.text[end : end + 2] in ("'s", "\u2019s"):
        return word.lower() not in MONTHS | SEASONS  # "Grace's grandad", not "May's weather"
    tok = _token_at(doc, start, end)
    if tok is None:
        return True
    if _calendar_use(doc, tok):
        return False
    if not doc.has_annotation("TAG"):
        return True  # no model: capitalisation is all we have
    return _tagged_as_name(doc, tok)


def _tagged_as_name(doc: Doc, tok: Token) -> bool:
    prev = doc[tok.i - 1] if tok.i > 0 else None
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    if prev is not None and prev.lower_ in _NAME_CUES:
        return True
    if prev is not None and prev.lower_ in _DETERMINERS:
        return False
    if nxt is not None and nxt.lower_ in {"and", "&"} and tok.i + 2 < len(doc) \
            and doc[tok.i + 2].text[:1].isupper():
        return True  # "River and James represented the school"
    if tok.pos_ == "AUX" or (tok.lower_ == "will" and tok.tag_ == "MD"):
        # "Will you join us?" asks; "Will scored twice" and "Will in Year 1" name a boy.
        return nxt is None or nxt.tag_ not in _AUX_FOLLOWERS
    if tok.ent_type_ == "PERSON" or (nxt is not None and nxt.lower_ == "who"):
        return True
    if nxt is not None and nxt.pos_ in {"VERB", "AUX"} and nxt.tag_ in {"VBD", "VBZ"}:
        return True  # "Grace sang", "Holly read to the class", "Sky has earned"
    if tok.ent_type_ in {"DATE", "TIME"} or tok.pos_ in {"VERB", "ADP", "DET"}:
        return False
    if tok.is_sent_start:
        return tok.pos_ == "PROPN"
    return tok.pos_ in {"PROPN", "NOUN", "ADJ", "INTJ", "X"}


def clearly_a_name(doc: Doc, start: int, end: int) -> bool:
    """Stronger evidence, for word-names not on the register: a cue before or a PERSON entity."""
    tok = _token_at(doc, start, end)
    if tok is None or not reads_as_name(doc, start, end):
        return False
    prev = doc[tok.i - 1] if tok.i > 0 else None
    return (prev is not None and prev.lower_ in _NAME_CUES) or tok.ent_type_ == "PERSON"
