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
                       "celebrating welcome meet luck you including".split())
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")
# Before a word, these make it a thing: "the River Stour", "our Poppy Appeal".
_DETERMINERS = frozenset("the a an this that these those our their your its".split())
# What follows "Will" when it is the auxiliary: a subject, a verb, "not"...
_AUX_FOLLOWERS = frozenset({"PRP", "DT", "NNP", "NN", "NNS", "VB", "RB", "PRP$", "CD", "EX"})
_DAY = re.compile(r"^\d{1,2}(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
# Words before a season or month that make it a date: "this summer", "in May", "since June".
_BEFORE_SEASON = frozenset("in this next last during until since every over early late mid the "
                           "of".split())
_BEFORE_MONTH = _BEFORE_SEASON | {"from", "by", "till", "of"}


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
        if word in MONTHS and any(t is not None and _DAY.match(t.text) for t in (prev, nxt)):
            return True  # "3 May", "May 12th"
        if nxt is not None and _YEAR.match(nxt.text):
            return True  # "Summer 2026"
        before = _BEFORE_MONTH if word in MONTHS else _BEFORE_SEASON
        if prev is not None and prev.lower_ in before:
            return True
    return nxt is not None and nxt.lower_ in _NOT_NAME_NEXT


def _listed(doc: Doc, tok: Token) -> bool:
    """In a list of names: "Summer, Ava and Joy", "Poppy, #MaryJane", "1st Daisy"."""
    prev = doc[tok.i - 1] if tok.i > 0 else None
    if prev is not None and _ORDINAL.match(prev.text):
        return True
    if tok.i + 2 >= len(doc) or doc[tok.i + 1].lower_ not in {"and", "&", ","}:
        return False
    after = doc[tok.i + 2]
    return (after.text[:1].isupper() or after.text == "#") and after.lower_ not in MONTHS | SEASONS


def reads_as_name(doc: Doc, start: int, end: int) -> bool:
    """Whether the word at [start, end) of the submitted text is used as a name."""
    word = doc.text[start:end]
    if not word[:1].isupper():
        return False
    if word.isupper() and len(word) > 1:
        return False  # headings in capitals ("SUMMER FAIR") are not names
    tok = _token_at(doc, start, end)
    if doc.text[end : end + 2] in ("'s", "\u2019s"):
        # "Summer's grandad" is a girl; "Summer's day" is not.
        after = doc.text[end + 2 :].split(maxsplit=1)
        return not after or after[0].lower().strip(".,!?") not in _NOT_NAME_NEXT
    if tok is None:
        return True
    if _listed(doc, tok):
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
    if tok.pos_ == "AUX" or (tok.lower_ == "will" and tok.tag_ == "MD"):
        # "Will you join us?" asks; "Will scored twice" and "Will in Year 1" name a boy.
        return nxt is None or nxt.tag_ not in _AUX_FOLLOWERS
    if tok.ent_type_ == "PERSON" or (nxt is not None and nxt.lower_ == "who"):
        return True
    if nxt is not None and (nxt.tag_ == "VBD" or (nxt.pos_ == "AUX" and nxt.tag_ == "VBZ")):
        return True  # "Grace sang", "Holly read to the class", "Sky has earned"
    if tok.ent_type_ in {"DATE", "TIME"} or tok.pos_ in {"VERB", "ADP", "DET"}:
        return False
    if tok.is_sent_start:
        # First word of a sentence: capitals say nothing, so without the evidence above
        # ("Joy all round", "Grace before lunch", "Hope springs eternal") it is a word.
        return False
    return tok.pos_ in {"PROPN", "NOUN", "ADJ", "INTJ", "X"}


def clearly_a_name(doc: Doc, start: int, end: int) -> bool:
    """Stronger evidence, for word-names not on the register: a cue before or a PERSON entity."""
    tok = _token_at(doc, start, end)
    if tok is None or not reads_as_name(doc, start, end):
        return False
    prev = doc[tok.i - 1] if tok.i > 0 else None
    return (prev is not None and prev.lower_ in _NAME_CUES) or tok.ent_type_ == "PERSON"
