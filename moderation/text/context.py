"""Is a word that could be a first name used as one here? ("Well done Summer!" vs "this summer").

Decided from the one spaCy parse of the draft: capitalisation, part of speech,
entity type and position in the sentence. A blank pipeline (tests, or a model
that failed to load) falls back to capitalisation alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc, Token

SEASONS = frozenset({"summer", "autumn", "winter", "spring"})
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december"})
# Nouns that turn the word before them into a description: "Summer term", "Holly wreath".
NOT_NAME_NEXT = frozenset(
    "term terms holiday holidays half fair fete fayre camp concert show break festival disco "
    "club walk trip sale service assembly time sun day days week weeks school fun fest party "
    "garden gardens bush bushes tree trees flowers flower leaves berry berries bulbs picnic "
    "sports reading uniform timetable newsletter chains chain wreath wreaths sunshine "
    "weather appeal appeals seeds jam fields class classes team teams council house houses "
    "group groups award awards mark ladder before of writer writers reader readers baker "
    "bakers biscuits skies".split()
)
# After a possessive only these make it a thing: "Summer's day", "Jacob's ladder".
_NOT_NAME_AFTER_POSSESSIVE = frozenset(
    "term day days holiday holidays sun sunshine evening morning night weather fair fete "
    "ladder eve wedding".split()
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


# Abbreviated months, a date only beside a day ("Thursday 5 Jun", "Jun 12"): Jun is a name too.
_MONTH_ABBREVIATIONS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())


def _beside_a_day(doc: Doc, tok: Token) -> bool:
    """"9th May", "5 Jun.", "May 12th", "May 2026": a month with its day or year. Checked
    before a results list ("1st Daisy"), which an ordinal before a word also suggests."""
    word = tok.lower_.rstrip(".")
    if word not in MONTHS and word not in _MONTH_ABBREVIATIONS:
        return False
    prev = doc[tok.i - 1] if tok.i > 0 else None
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    return (any(t is not None and _DAY.match(t.text) for t in (prev, nxt))
            or (nxt is not None and _YEAR.match(nxt.text) is not None))


def dated(doc: Doc, start: int, end: int) -> bool:
    """Whether the word at [start, end) is a month beside its day or year ("5 Jun")."""
    tok = _token_at(doc, start, end)
    return tok is not None and _beside_a_day(doc, tok)


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
    return nxt is not None and nxt.lower_ in NOT_NAME_NEXT


_YEAR_GROUP = re.compile(r"^(?:y|yr|year)\d$|^(?:reception|nursery)$", re.IGNORECASE)


def _list_of_year_groups(doc: Doc, tok: Token) -> bool:
    """"Y3: Rose", "Sky – Reception Writer of the Week": a name beside a year group."""
    before = doc[max(0, tok.i - 3) : tok.i].text.replace(" ", "")
    after = doc[tok.i + 1 : tok.i + 4]
    if re.search(r"(?:Y|Yr|Year)\d:$", before):
        return True
    return (len(after) >= 2 and after[0].text in ("-", "–", ":")
            and bool(_YEAR_GROUP.match(after[1].text) or after[1].lower_ == "year"))


def _listed(doc: Doc, tok: Token) -> bool:
    """In a list of names: "Summer, Ava and Joy", "Poppy, #MaryJane", "1st Daisy"."""
    prev = doc[tok.i - 1] if tok.i > 0 else None
    if prev is not None and _ORDINAL.match(prev.text):
        return True
    if tok.i + 2 >= len(doc) or doc[tok.i + 1].lower_ not in {"and", "&", ","}:
        return False
    after = doc[tok.i + 2]
    return (after.text[:1].isupper() or after.text == "#") and after.lower_ not in MONTHS | SEASONS


# In a draft in capitals or in lower case, the words around a name that make it one.
_CASELESS_BEFORE = _NAME_CUES | frozenset(
    "thx thanx ty omg go luck up is captain birthday bday soon 2 4 star".split())
_CASELESS_AFTER = frozenset("in & and n did was is has had won wins scored got made ur r - – : "
                            "'s came went cant can't back ran loves says said mum dad nan mom "
                            "mam grandad grandma brother sister".split())


@lru_cache(maxsize=256)
def caseless(text: str) -> bool:
    """A draft written all in capitals or all in lower case: capitals say nothing."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return bool(letters) and (upper == 0 or upper / len(letters) > 0.7)


def _caseless_name(doc: Doc, text: str, start: int, end: int) -> bool:
    """"HUGE SHOUT OUT TO FAITH", "sky did her 1st show": the words around say a name."""
    tok = _token_at(doc, start, end)
    if tok is None:
        return False
    prev = doc[tok.i - 1].lower_ if tok.i > 0 else ""
    nxt = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else ""
    if text[end : end + 2].lower() in ("'s", "\u2019s"):
        return True
    return prev in _CASELESS_BEFORE or nxt in _CASELESS_AFTER


def reads_as_name(doc: Doc, start: int, end: int) -> bool:
    """Whether the word at [start, end) of the submitted text is used as a name."""
    text = doc.text  # joined from the tokens on every access: once here
    word = text[start:end]
    if (word.isupper() and len(word) > 1) or not word[:1].isupper():
        # headings in capitals ("SUMMER FAIR") and words are not names, unless the whole
        # draft is in one case and the words around say so
        return caseless(text) and _caseless_name(doc, text, start, end)
    tok = _token_at(doc, start, end)
    if text[end : end + 2] in ("'s", "\u2019s"):
        # "Summer's grandad" is a girl; "Summer's day" is not.
        after = text[end + 2 : end + 40].split(maxsplit=1)
        return not after or after[0].lower().strip(".,!?") not in _NOT_NAME_AFTER_POSSESSIVE
    if tok is None:
        return True
    if tok.i + 1 < len(doc) and (doc[tok.i + 1].like_num or (
            doc[tok.i + 1].lower_ == "of" and tok.i + 2 < len(doc)
            and doc[tok.i + 2].lower_ == "the")):
        return False  # "Max 30 places", "Star of the Week"
    if _list_of_year_groups(doc, tok):
        return True
    if _beside_a_day(doc, tok):
        return False
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
