"""Finding known names (learners, staff, public figures) in normalised text.

The index maps the folded words of every name form to who owns it, so a draft
is scanned once, longest name first, in time proportional to its length and
independent of the register size. Name words are split the way people write
them: hashtags in camel case (#AmeliaThompson), hyphens and apostrophes
(Lily-May, O'Brien), names broken by a line break or one punctuation mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from consent_store.snapshot import LearnerRecord, StaffRecord
from moderation.text.lexicon import everyday_word, word_names
from moderation.text.normalise import fold_name

_WORD = re.compile(r"(?<![\d])#?[^\W\d_]+(?:['-][^\W\d_]+)*")
_CAMEL = re.compile(r"[A-Z][a-z'-]*|[a-z][a-z'-]*|[^\W\d_]+")
# A gap that ends a sentence: a full name never runs across one.
_SENTENCE_END = re.compile(r"[.!?]['\")]*[ \t]|[.!?]\s*\n")
# Addresses and handles: the words inside are not names in running text.
_NOT_PROSE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+|(?<![\w#])@\w+"
    r"|[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w-]+)*",
    re.IGNORECASE,
)
TITLE_BEFORE = re.compile(
    r"(?:^|\W)(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Cllr|Councillor|Rev|Revd|Saint|St)\.?\s+$"
)

# Titles only adults (or saints) have: the name after one is never a learner's.
SAINTLY_BEFORE = re.compile(
    r"(?:^|\W)(?:Saint|St|Sir|Dame|Lord|Lady|Dr|Prof|Professor|Cllr|Councillor|Rev|Revd|"
    r"Reverend|Father|Canon|Imam|Rabbi|Pastor|Vicar|Bishop|Judge|PC|Sgt|Coach)\.?\s+$")

_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
# Capitalised words that follow a name without being a surname.
NOT_SURNAME = frozenset(
    [*_DAYS, *_MONTHS, "year", "class", "reception", "nursery", "team", "house", "group", "form",
     "and", "or", "the", "from", "at", "in", "on", "for", "with", "we", "you", "i", "it", "our"]
)


@dataclass(frozen=True, slots=True)
class NameToken:
    start: int  # offsets in the normalised text
    end: int
    key: str  # folded: lower case, no apostrophes or hyphens
    capitalised: bool
    hashtag: bool
    how: str = ""  # "disguised" (Am3lia, J*ck, R u b y) or "fuzzy" (Amelia Thomson)


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a name form belongs to: a learner (by UPN), staff, or a public figure."""

    who: str  # "learner", "staff" or "public"
    ident: str
    kind: str  # "first", "full", "initial", "reversed"


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    owners: tuple[Owner, ...]
    tokens: tuple[NameToken, ...]
    how: str = ""  # "compound" (a handle, hashtag or web address) or "surname" (alone)


def _word_tokens(text: str, m: re.Match[str]) -> Iterator[NameToken]:
    word, start = m.group(), m.start()
    hashtag = word.startswith("#")
    if hashtag:
        word, start = word[1:], start + 1
    parts = _camel_parts(word) if hashtag else [(0, word)]
    for offset, part in parts:
        if len(part) > 3 and part.lower().endswith("'s"):
            part = part[:-2]  # possessive: the name is what comes before it
        s = start + offset
        yield NameToken(s, s + len(part), fold_name(part), part[:1].isupper(), hashtag)


def _camel_parts(word: str) -> list[tuple[int, str]]:
    """#LilyMayOBrien -> Lily, May, OBrien: a lone capital joins the part after it."""
    parts: list[tuple[int, str]] = []
    for p in _CAMEL.finditer(word):
        if parts and len(parts[-1][1]) == 1 and parts[-1][1].isupper() and p.group()[:1].isupper():
            parts[-1] = (parts[-1][0], parts[-1][1] + p.group())
        else:
            parts.append((p.start(), p.group()))
    return parts


def tokenize(text: str) -> list[NameToken]:
    skip = [m.span() for m in _NOT_PROSE.finditer(text)]
    return [t for m in _WORD.finditer(text) for t in _word_tokens(text, m)
            if t.key and not any(s <= t.start < e for s, e in skip)]


def _gap_ok(text: str, a: NameToken, b: NameToken, kind: str) -> bool:
    gap = text[a.end : b.start]
    if kind == "reversed":
        return gap.strip() == ","
    if len(gap) > 3 or any(c.isalnum() for c in gap) or _SENTENCE_END.search(gap + " "):
        return False
    if kind == "initial":
        return gap == " "
    return True


def _variants(name: str) -> Iterator[tuple[str, ...]]:
    """The keys a name may be written as: joined, and split at hyphens or spaces."""
    words = name.split()
    joined = tuple(fold_name(w) for w in words)
    yield joined
    if "-" not in name:
        return
    split = tuple(fold_name(p) for w in words for p in w.split("-") if p)
    if split != joined:
        yield split


class NameIndex:
    """Every name form of the register's learners, staff and public figures."""

    def __init__(self) -> None:
        self.forms: dict[tuple[str, ...], list[Owner]] = {}
        self.surnames: dict[str, list[Owner]] = {}  # learners' surnames, matched apart
        self._surname_of: dict[str, str] = {}
        self.longest = 1

    def add(self, name: str, owner: Owner) -> None:
        for key in _variants(name):
            if key and all(key):
                self.forms.setdefault(key, []).append(owner)
                self.longest = max(self.longest, len(key))

    def add_learner(self, rec: LearnerRecord) -> None:
        firsts = {n for n in (rec.first_name, rec.preferred_name) if n}
        for first in firsts:
            self.add(first, Owner("learner", rec.upn, "first"))
            if rec.last_name:
                self.add(f"{first} {rec.last_name}", Owner("learner", rec.upn, "full"))
                self.add(f"{first}{rec.last_name}", Owner("learner", rec.upn, "full"))
                self.add(f"{first} {rec.last_name[0]}", Owner("learner", rec.upn, "initial"))
                self.add(f"{rec.last_name} {first}", Owner("learner", rec.upn, "reversed"))
                self.add(f"{first[0]} {rec.last_name}", Owner("learner", rec.upn, "initial_first"))
        if rec.last_name:
            key = fold_name(rec.last_name.replace(" ", ""))
            self.surnames.setdefault(key, []).append(Owner("learner", rec.upn, "surname"))
            self._surname_of[rec.upn] = key
        for alias in rec.aliases:
            self.add(alias, Owner("learner", rec.upn, "first"))

    def add_staff(self, staff: StaffRecord, index: int) -> None:
        if staff.first_name and staff.last_name:
            self.add(f"{staff.first_name} {staff.last_name}", Owner("staff", str(index), "full"))

    @classmethod
    def build(
        cls, learners: Iterable[LearnerRecord], staff: Iterable[StaffRecord] = (),
        public: Iterable[str] = (),
    ) -> NameIndex:
        index = cls()
        for rec in learners:
            index.add_learner(rec)
        for i, member in enumerate(staff):
            index.add_staff(member, i)
        for name in public:
            index.add(name, Owner("public", name, "full"))
        return index

    def find(self, text: str, tokens: list[NameToken]) -> Iterator[Mention]:
        """Known names, longest first, left to right, never overlapping."""
        i = 0
        while i < len(tokens):
            mention = self._longest_at(text, tokens, i)
            if mention is None:
                i += 1
                continue
            yield mention
            i += len(mention.tokens)

    def _longest_at(self, text: str, tokens: list[NameToken], i: int) -> Mention | None:
        starts = getattr(self, "_starts", None)
        if starts is None:
            starts = self._starts = frozenset(k[0] for k in self.forms)
        if tokens[i].key not in starts:
            return None  # most words start no name: one set lookup
        for n in range(min(self.longest, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            owners = self.forms.get(tuple(t.key for t in span))
            if not owners:
                continue
            valid = tuple(o for o in owners if self._fits(text, span, o.kind))
            if valid and titled(text, span[0].start):
                # "Mrs Thompson, Amelia Thompson's mum": the word after a title is the
                # adult's surname, so a "Thompson, Amelia" reading cannot start there.
                valid = tuple(o for o in valid if o.kind != "reversed")
            if valid:
                end = span[-1].end
                if valid[0].kind == "initial" and text[end : end + 1] == ".":
                    end += 1
                return Mention(span[0].start, end, valid, tuple(span))
        return None

    def single_keys(self) -> frozenset[str]:
        """Every one-word name form and surname: what a disguised word may resolve to."""
        keys = getattr(self, "_single", None)
        if keys is None:
            keys = frozenset(k[0] for k in self.forms if len(k) == 1) | frozenset(self.surnames)
            self._single = keys
        return keys

    def surname_of(self, upn: str) -> str:
        return self._surname_of.get(upn, "")

    def firsts_by_key(self) -> dict[str, list[Owner]]:
        """Learners' one-word first names, preferred names and aliases, by folded key."""
        firsts = getattr(self, "_firsts", None)
        if firsts is None:
            firsts = {k[0]: [o for o in owners if o.who == "learner" and o.kind == "first"]
                      for k, owners in self.forms.items() if len(k) == 1}
            firsts = {k: v for k, v in firsts.items() if v}
            self._firsts = firsts
        return firsts

    @staticmethod
    def _fits(text: str, span: list[NameToken], kind: str) -> bool:
        if kind == "initial_first":
            return _initial_first_fits(text, span)
        if kind == "initial":
            initial = text[span[-1].start : span[-1].end]
            after = text[span[-1].end : span[-1].end + 1]
            if not initial.isupper() or (initial in "AI" and after != "."):
                return False
        if len(span) > 1 and not any(t.capitalised or t.how for t in span) and all(
                t.key in word_names() or everyday_word(t.key, 5.0) for t in span):
            return False  # "grace baker" in lower case is prose; "amelia thompson" a name
        return all(_gap_ok(text, a, b, kind) for a, b in zip(span, span[1:], strict=False))


def _initial_first_fits(text: str, span: list[NameToken]) -> bool:
    """"A. Thompson", "K Grant", "m.kowalska-brown": an initial, then the surname."""
    if len(span) != 2 or span[0].end - span[0].start != 1:
        return False
    initial, gap = text[span[0].start], text[span[0].end : span[1].start]
    if gap not in (" ", ". ", "."):
        return False
    return gap.startswith(".") or (initial.isupper() and initial not in "AI")


def titled(text: str, start: int) -> bool:
    """Preceded by a title (Mrs, Dr, St...): an adult's name, a saint's, or a child's
    ("Miss Aminata", "Master Oisin")."""
    return TITLE_BEFORE.search(text[max(0, start - 14) : start]) is not None


def saint_or_knight(text: str, start: int) -> bool:
    """After St, Saint, Sir or Dame a name is never a learner's ("St Mary's", "Sir Mo")."""
    return SAINTLY_BEFORE.search(text[max(0, start - 14) : start]) is not None
