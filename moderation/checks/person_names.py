"""People named in a draft who are neither learners on the register nor staff.

Such a name may be a learner missing from the register, a sibling or a parent:
someone should look before it is published (``review``). The small spaCy model
alone misses many names (it calls "Jayden Okafor" a place and skips "Amelia"
in "Amelia and Noah were brilliant"), so three sources are combined: titles
(Mr, Mrs, Dr...), a shipped first-name list, and the model's PERSON entities.
Staff and well-known public figures are never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Token

from consent_store.snapshot import RegisterSnapshot
from moderation.checks.base import CheckContext
from moderation.findings import Finding, Severity, Span
from moderation.text.context import caseless, clearly_a_name
from moderation.text.lexicon import everyday_word, first_names, public_names, word_names
from moderation.text.mentions import DraftNames, draft_names
from moderation.text.names import NOT_SURNAME, NameToken, saint_or_knight, titled
from moderation.text.normalise import fold_name
from moderation.text.sentences import TITLE_NAME, TITLE_NAME_ANY_CASE
from moderation.text.shared import text_view

RULE = "people.unknown-person"
# A capitalised word after a "name" that makes it a place or a club.
PLACE_WORDS = frozenset(
    "road street park avenue lane school academy primary college hall centre center church "
    "close way station square gardens court drive museum cathedral castle theatre bay beach "
    "hill wood woods farm zoo library green common village town city fc united rovers athletic "
    "bridge house island crescent terrace grove mews rise walk row parade place".split()
)
# A capitalised word that makes a "name" a business or a body.
ORG_WORDS = frozenset(
    "cleaning coaches coach catering hire services service ltd limited motors travel construction "
    "solutions group trust foundation partnership associates company co inc plc council society "
    "club league cup trophy festival fair appeal legion brigade service scouts guides".split()
)
# Words after which two capitalised words are most likely a person: "a visit from Ann Vogt".
_INTRODUCERS = frozenset("from to by with welcomed thanks thank you visit visitor author "
                         "and called named mum dad grandad grandma nan nana grandpa uncle aunt "
                         "auntie brother sister man lady".split())


@dataclass(frozen=True, slots=True)
class StaffNames:
    firsts: frozenset[str]
    lasts: frozenset[str]
    full: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, register: RegisterSnapshot) -> StaffNames:
        return cls(frozenset(fold_name(s.first_name) for s in register.staff if s.first_name),
                   frozenset(fold_name(s.last_name) for s in register.staff if s.last_name),
                   frozenset((fold_name(s.first_name), fold_name(s.last_name))
                             for s in register.staff))

    def titled(self, title: str, keys: list[str]) -> bool:
        """"Mrs Patel", "Miss Sarah" are staff; "PC Sandhu", "Ms Patience Boateng" are not
        (a title staff do not use here, or a first name that is not theirs)."""
        if fold_name(title.rstrip(".")) not in _HONORIFICS:
            return False
        joined = "".join(keys).replace(" ", "")
        if len(keys) >= 2:
            first, last = keys[0], keys[-1]
            if any(la.replace(" ", "").startswith(joined) for la in self.lasts):
                return True  # "Mrs Van Der Berg", "Mr De Souza": a surname in two words
            return any(f.startswith(first) if len(first) == 1 else f == first
                       for f, la in self.full if la == last or la.endswith(" " + last))
        key = keys[0]
        # "Mrs Bakers room": a possessive written without its apostrophe
        return key in self.lasts or key in self.firsts or (
            len(key) > 3 and key.endswith("s") and key[:-1] in self.lasts)


_HONORIFICS = frozenset("mr mrs ms miss mx dr prof professor sir dame".split())


# Capitalised words that make a phrase a role, a team, a place or an event, not a person.
NOT_PERSON_WORDS = frozenset(
    "stadium arena world tower gorge mill orchard villa plumbing florist florists bags smiles "
    "aid schools interpreters bus stage term boy girl headteacher head deputy mayor leavers "
    "council champions team cup games mark prize award week day night festival gala fayre "
    "market bakery shop cafe restaurant nursery heath valley railway forest reservoir lake "
    "river bridge quarter estate ward hospital surgery clinic pharmacy police fire brigade "
    "community orchestra choir band theatre cinema leisure pool gym harbour hoe christmas "
    "easter mathematician scientist historian musician speller".split()
)
_NOT_PERSON_FIRST = frozenset(
    "st saint head deputy lord key spring summer autumn winter healthy walking water teddy charity "
    "rock tesco young little big great new old year the our silver gold bronze red blue "
    "green yellow eco school merry port marvellous".split()
)


_BEFORE_PERSON = re.compile(
    r"(?:thank(?:s| you)(?: to)?|thx(?: 2)?|met|contact|manager|welcomed?(?: to)?|visit from|"
    r"run by|led by|(?:made|baked|written|painted|donated|given|sent|organised) by|meet|"
    r"hello to|interviewed)\s+$", re.IGNORECASE)
# What someone does or is, said right after their name: "Dallas Cliff came in to talk".
_AFTER_PERSON = re.compile(r"(?:\s+from\b|,\s+(?:a|an|the|who|our)\b|\s+who\b|\s+runs\b|"
                           r"\s+says\b|:|\s+of\s+the\b|\s+(?:came|comes|talked|spoke|"
                           r"visited|showed|taught|brought|donated|baked|knitted|rowed|ran|"
                           r"led|helped|is\s+a|has\s+been)\b)", re.IGNORECASE)


_NOT_PERSON_ENTITIES = frozenset("ORG GPE LOC FAC DATE TIME EVENT PRODUCT WORK_OF_ART NORP "
                                 "LANGUAGE MONEY QUANTITY ORDINAL CARDINAL PERCENT LAW".split())
# After a lone name: what says it is someone (", our new volunteer", " from the chippy").
_CUE_AFTER = re.compile(r"(?:,\s+(?:our|a|an|the|who|whose)\b|\s+(?:from|who|at|for|and his|"
                        r"and her)\b|\s+(?:says|said|runs|brought|made|gave|helped|came)\b)")


def _a_place_here(ctx: CheckContext, start: int, end: int) -> bool:
    span = ctx.doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span) or span[0].i == 0:
        return False
    tok = span[0]
    return (tok.ent_type_ in ("GPE", "LOC", "FAC")
            and ctx.doc[tok.i - 1].lower_ in ("in", "at", "to", "from", "near", "visit", "visited"))


def said_of_a_person(text: str, start: int, end: int) -> bool:
    """"Thank you to Crystal Waters from...", "met Cliff Bank, a retired engineer": what is
    said around the words makes them someone's name, whatever the words are."""
    return (_BEFORE_PERSON.search(text[max(0, start - 20) : start]) is not None
            or _AFTER_PERSON.match(text, end) is not None)


def person_like(words: list[str], strong: bool = False) -> bool:
    """A run of capitalised words that may be a person's name ("Paris Stafford"), not a
    role, team, place or event ("Head Girl", "Cherry Orchard", "Alexander Stadium").
    ``strong``: the words around say a person, so everyday words may be a name too."""
    keys = [fold_name(_no_possessive(w).rstrip(".,'")) for w in words if w.strip(".,'")]
    if not keys or keys[0] in _NOT_PERSON_FIRST:
        return False
    # "thanks to Holly Woods for...": a first name and a place word is a person when what is
    # said around says so ("a trip to Holly Woods" is not)
    place_ok = strong and keys[0] in first_names()
    if any(k in NOT_PERSON_WORDS or (k in PLACE_WORDS and not place_ok) or k in ORG_WORDS
           or k in NOT_SURNAME or everyday_word(k, 5.5) for k in keys[1:]):
        return False
    if strong or (keys[0] in first_names() and keys[0] not in word_names()
                  and not everyday_word(keys[-1], 4.6)):
        return True
    return not all(everyday_word(k) for k in keys)


def _name_like(tok: Token) -> bool:
    if not tok.text[:1].isupper():
        return False
    low = tok.lower_
    return (tok.is_alpha and low not in NOT_SURNAME
            and low not in PLACE_WORDS and low not in ORG_WORDS)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def _no_possessive(word: str) -> str:
    """"Wood's" -> "Wood": Mrs Wood's class is Mrs Wood's."""
    return word[:-2] if word.lower().endswith(("'s", "\u2019s")) else word


class PersonNameCheck:
    name = "person_name"
    reads_text = True  # also run on every alt text (it is published too)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        names = draft_names(ctx)
        staff = ctx.resources.per_register(ctx.register, "text.staff-names",
                                        lambda: StaffNames.of(ctx.register))
        titled_names = list(self._titled(ctx, staff))
        taken = self._known_spans(ctx, names) + [s for s, known in titled_names if known]
        found: list[tuple[int, int]] = []
        unknown_titled = [s for s, known in titled_names if not known]
        # In a draft all in capitals, capitals do not mark names: titles and the list only.
        by_capitals = [] if caseless(ctx.draft.text) else [
            *self._entities(ctx, staff), *self._introduced(ctx, staff)]
        for span in [*unknown_titled, *self._first_names(ctx, names, staff), *by_capitals,
                     *self._cued(ctx, staff)]:
            if not _overlaps(span, taken + found):
                found.append(span)
        for start, end in sorted(found):
            yield self._finding(ctx.draft.text, start, end)

    @staticmethod
    def _known_spans(ctx: CheckContext, names: DraftNames) -> list[tuple[int, int]]:
        """Source spans of learners, staff and public figures (a titled lone name is not)."""
        norm = text_view(ctx).norm
        spans = [norm.to_source(m.start, m.end) for m in names.mentions
                 if not titled(norm.text, m.start)]
        spans += [(f.span.start, f.span.end) for f in ctx.findings
                  if f.check == "learner_name" and f.span]
        return spans

    @staticmethod
    def _titled(ctx: CheckContext,
                staff: StaffNames) -> Iterator[tuple[tuple[int, int], bool]]:
        """Every "Mrs Patel": its span and whether it is staff or a public figure."""
        norm = text_view(ctx).norm
        public = set(public_names())
        pattern = TITLE_NAME_ANY_CASE if caseless(norm.text) else TITLE_NAME
        for m in pattern.finditer(norm.text):
            words = m.group().split()
            while len(words) > 2 and (fold_name(words[-1]) in NOT_SURNAME
                                      or fold_name(words[-1]) in NOT_PERSON_WORDS):
                words.pop()
            last = fold_name(_no_possessive(words[-1]))
            if last in NOT_SURNAME | NOT_PERSON_WORDS or (pattern is TITLE_NAME_ANY_CASE
                                                          and everyday_word(last)):
                continue  # "Mr Men", "COACH IS", "grandad found": not someone's name
            said = " ".join(words)
            keys = [fold_name(_no_possessive(w).rstrip(".")) for w in words[1:]]
            known = said in public or staff.titled(words[0], keys)
            yield norm.to_source(m.start(), m.start() + len(said)), known

    def _first_names(self, ctx: CheckContext, names: DraftNames,
                     staff: StaffNames) -> Iterator[tuple[int, int]]:
        norm = text_view(ctx).norm
        tokens = names.tokens
        lower_case = caseless(norm.text)
        for i, tok in enumerate(tokens):
            key = tok.key
            if key.endswith("s") and key not in first_names() and key[:-1] in first_names():
                key = key[:-1]  # "darrens ni is...": a possessive without its apostrophe
            if (key not in first_names() or key in NOT_SURNAME
                    or saint_or_knight(norm.text, tok.start)):
                continue
            if not tok.capitalised and not (lower_case and not everyday_word(key, 4.0)):
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if (nxt is not None and nxt.key in PLACE_WORDS and self._adjacent(norm.text, tok, nxt)
                    and not said_of_a_person(norm.text, tok.start, nxt.end)):
                continue  # "Victoria Park", "Chelsea FC" (not "thanks to Holly Woods for...")
            end = tok.end
            if nxt is not None and self._surname(norm.text, tok, nxt):
                if nxt.key in ORG_WORDS:
                    continue  # "Holly Cleaning Services"
                after = tokens[i + 2] if i + 2 < len(tokens) else None
                if (after is not None and after.key in PLACE_WORDS
                        and self._adjacent(norm.text, nxt, after)):
                    continue  # "at Simon Langton school": a school named after someone
                end = nxt.end
            elif key in staff.firsts:
                continue  # a lone first name a member of staff has: never an unknown person
            src = norm.to_source(tok.start, tok.end)
            strong = said_of_a_person(norm.text, tok.start, end)
            if end != tok.end and not person_like(norm.text[tok.start : end].split(), strong):
                continue  # "Cherry Orchard", "Spring Term"
            if key in word_names() and end == tok.end and not clearly_a_name(ctx.doc, *src):
                continue  # "Art", "May", "Will" alone need a cue: "Well done Will!"
            if end == tok.end and _a_place_here(ctx, *src) and not strong:
                continue  # "a trip to Florence", "in Jordan": a place that is also a name
            yield norm.to_source(tok.start, end)

    @staticmethod
    def _cued(ctx: CheckContext, staff: StaffNames) -> Iterator[tuple[int, int]]:
        """A name the list lacks, alone, where what is said around makes it a person's:
        "thanks to Zuri from the chippy", "say hello to Irena, our new volunteer"."""
        doc, text = ctx.doc, ctx.draft.text
        if not doc.has_annotation("TAG"):
            return
        for tok in doc:
            if (tok.pos_ != "PROPN" or not tok.is_title or tok.is_sent_start
                    or tok.ent_type_ in _NOT_PERSON_ENTITIES or everyday_word(tok.lower_, 4.0)
                    or fold_name(tok.text) in staff.firsts | staff.lasts
                    or fold_name(tok.text) in NOT_PERSON_WORDS | _NOT_PERSON_FIRST):
                continue
            end = tok.idx + len(tok)
            before = _BEFORE_PERSON.search(text[max(0, tok.idx - 20) : tok.idx])
            if before is not None and _CUE_AFTER.match(text, end):
                yield tok.idx, end

    @staticmethod
    def _adjacent(text: str, a: NameToken, b: NameToken) -> bool:
        return text[a.end : b.start] in (" ", "")

    def _surname(self, text: str, first: NameToken, nxt: NameToken) -> bool:
        return (nxt.capitalised and self._adjacent(text, first, nxt)
                and nxt.key not in NOT_SURNAME)

    @staticmethod
    def _entities(ctx: CheckContext, staff: StaffNames) -> Iterator[tuple[int, int]]:
        """Two or more capitalised words the model calls a person (staff excepted)."""
        public = set(public_names())
        for ent in ctx.doc.ents:
            if ent.label_ != "PERSON" or len(ent) < 2 or ent.text in public:
                continue
            if fold_name(ent[-1].text) in staff.lasts:
                continue
            words = [t.text for t in ent if not t.is_punct]
            if all(_name_like(t) for t in ent if not t.is_punct) and person_like(words):
                yield ent.start_char, ent.end_char

    @staticmethod
    def _introduced(ctx: CheckContext, staff: StaffNames) -> Iterator[tuple[int, int]]:
        """Two or three proper nouns after "from", "to", "by"...: a name the list lacks."""
        doc, public = ctx.doc, set(public_names())
        if not doc.has_annotation("TAG"):
            return
        toks = list(doc)
        i = 0
        while i < len(toks):
            j = i
            while j < len(toks) and j - i < 3 and _name_like(toks[j]):
                j += 1
            before = toks[i - 1].lower_ if i else ""
            after = toks[j].lower_ if j < len(toks) else ""
            if after in PLACE_WORDS or after in ORG_WORDS:
                pass  # "Wingham Wildlife Park": a place, however it was introduced
            elif j - i >= 2 and toks[j - 1].pos_ == "PROPN" and (
                    before in _INTRODUCERS or after in {"from", "who"}):
                span = doc[i:j]
                strong = after in {"from", "who"} or said_of_a_person(
                    ctx.draft.text, span.start_char, span.end_char)
                if (span.text not in public and fold_name(toks[j - 1].text) not in staff.lasts
                        and person_like(span.text.split(), strong)):
                    yield span.start_char, span.end_char
            i = max(j, i + 1)

    @staticmethod
    def _finding(text: str, start: int, end: int) -> Finding:
        said = text[start:end]
        return Finding(
            check="person_name", severity=Severity.REVIEW, rule=RULE, policy="",
            message=f"{said!r} looks like a person's name that is neither on the register "
                    "nor on the staff list.",
            suggestion="Check whether this is a learner or a family member: if so, remove the "
                       "name or check their consent first. A visitor or public figure can stay.",
            span=Span(start, end, said),
        )
