"""Sentence bounds and titled names, with or without a trained pipeline."""

from __future__ import annotations

import re

from spacy.tokens import Doc

TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Lord", "Lady",
    "Cllr", "Councillor", "Rev", "Revd", "Reverend", "Father", "Canon", "Judge",
    "PC", "Sgt", "Imam", "Pastor", "Rabbi", "Coach", "Nurse", "Uncle", "Auntie", "Aunty",
    "Grandad", "Grandpa", "Grandma",
)
# A title, an optional initial, then one or two capitalised words.
# (never across a line break: "Mrs F. Adebayo\nHeadteacher" is a signature)
TITLE_NAME = re.compile(
    r"\b(?:" + "|".join(TITLES) + r")\.?[ \t]+(?:[A-Z]\.?[ \t]+)?[A-Z][\w'-]+"
    r"(?:[ \t]+[A-Z][\w'-]+)?"
)
# The same in a draft written all in capitals or all in lower case ("MR GREWAL", "mrs rauf").
TITLE_NAME_ANY_CASE = re.compile(
    r"\b(?i:" + "|".join(TITLES) + r")\.?[ \t]+(?:[A-Za-z]\.?[ \t]+)?[A-Za-z][\w'-]+", re.UNICODE
)
_BREAK = re.compile(r"[.!?\n]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")  # not the point of "9.30"


def sentence_bounds(doc: Doc, char: int) -> tuple[int, int]:
    """The sentence around a character of the submitted text."""
    if doc.has_annotation("SENT_START") and len(doc):
        span = doc.char_span(char, min(char + 1, len(doc.text)), alignment_mode="expand")
        tok = span[0] if span is not None and len(span) else doc[-1]
        sent = tok.sent
        return sent.start_char, sent.end_char
    text = doc.text
    start = 0
    for m in _BREAK.finditer(text, 0, char):
        start = m.end()
    end_m = _BREAK.search(text, char)
    end = end_m.end() if end_m else len(text)
    while start < end and text[start].isspace():
        start += 1
    return start, end


def title_name_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TITLE_NAME.finditer(text)]


def sentences(doc: Doc) -> list[tuple[int, int]]:
    """Every sentence (and line) of the text, as offsets into it, with or without a parser."""
    text = doc.text
    if doc.has_annotation("SENT_START") and len(doc):
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        bounds, start = [], 0
        for m in _SENTENCE_END.finditer(text):
            bounds.append((start, m.end()))
            start = m.end()
        bounds.append((start, len(text)))
    out = []
    for start, end in bounds:  # a line break ends a sentence too: timetables, lists
        for part in re.finditer(r"[^\n]+", text[start:end]):
            s, e = start + part.start(), start + part.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
    return out
