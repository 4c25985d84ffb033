"""Names written so that a plain match misses them, resolved back to the register's names.

- disguised: "Am3lia", "J*ck", "K🌟ng", "Gr@ce", "W1LL", spaced or dotted ("R u b y",
  "J.a.y.d.e.n");
- misspelled: "Jaiden" for Jayden, "Thomson" for Thompson (one edit away);
- inside a handle, a hashtag or a web address: "@amelia_t", "#TEAMTOBI",
  ".../grace-okonkwo-greenhouse".

Each becomes a ``NameToken`` carrying the register key it stands for (so "Am3lia Th0mpson"
is matched as a full name by the ordinary index) or, for compounds, a ``Mention``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from moderation.text.lexicon import everyday_word, first_names
from moderation.text.names import Mention, NameIndex, NameToken, Owner
from moderation.text.normalise import fold_name

_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
         "$": "s", "!": "i", "|": "l"}
_DISGUISE = set(_LEET) | {"*"}
# Letters spaced or dotted out: "R u b y", "J.a.y.d.e.n", "z.o.e" (three letters or more).
_SPACED = re.compile(r"(?<![\w.])[^\W\d_](?:[ .][^\W\d_]){2,}(?![\w])")
_CHUNK = re.compile(r"\S+")
_EDGE = "\"'()[]{},.;:?!\u2019"
# A handle, a hashtag, or the path of a web address.
_HANDLE = re.compile(r"(?<![\w@])[@#][\w.]+")
_URL = re.compile(r"(?:https?://|www\.|\b[\w-]+\.(?:sch\.uk|co\.uk|org\.uk|org|com|net|uk)/)"
                  r"\S+", re.IGNORECASE)
_PIECE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")  # camel case and separators
_FUZZY_MIN = 5  # shorter names are one edit away from too many words


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Cn") or ord(ch) >= 0x1F000


def _pattern(chunk: str) -> tuple[list[str], str] | None:
    """Leet readings and a wildcard pattern of a chunk that mixes letters and disguises."""
    letters = sum(c.isalpha() for c in chunk)
    odd = [c for c in chunk if not c.isalpha() and not unicodedata.combining(c)]
    # two letters and a digit only when a letter leads: "Z0ë", never "7am" or "11th"
    short = letters == 2 and chunk[:1].isalpha() and sum(c in _LEET for c in odd) >= 1
    if (letters < 3 and not short) or not odd or not all(
            c in _DISGUISE or _is_symbol(c) or c in "\u200d\ufe0f" for c in odd):
        return None
    readings = [""]
    wild = ""
    for c in chunk:
        if c.isalpha():
            readings = [r + c for r in readings]
            wild += re.escape(fold_name(c) or c.lower())  # "Oi?sín" is Oisín, folded "oisin"
        elif c in _LEET:
            readings = [r + sub for r in readings for sub in _LEET[c]]
            wild += "."
        elif not wild.endswith(".?"):
            readings = []  # an emoji or '*' stands for one letter we cannot read
            wild += ".?"
    return [fold_name(r) for r in readings], wild


# One mark pushed inside a name: "A.mber", "Sad*ia", "L⚽ucy" (letters on both sides).
_INSERTED = re.compile(r"[^\W\d_]+(?:\.|\*|[^\w\s]{1,3})[^\W\d_]+")


def _inserted(chunk: str, keys: frozenset[str]) -> str | None:
    """The name a chunk spells once one mark inside it is taken out, if it is a register
    name: a dot only between letters, or a symbol or star that adds no letter."""
    if not _INSERTED.fullmatch(chunk):
        return None
    marks = [c for c in chunk if not c.isalpha()]
    if not all(c in ".*" or _is_symbol(c) or c in "\u200d\ufe0f" for c in marks):
        return None
    key = fold_name("".join(c for c in chunk if c.isalpha()))
    return key if len(key) >= 3 and key in keys else None


def _resolve(chunk: str, keys: frozenset[str]) -> str | None:
    if (inserted := _inserted(chunk, keys)) is not None:
        return inserted
    parsed = _pattern(chunk)
    if parsed is None:
        return None
    readings, wild = parsed
    for reading in readings:
        if reading in keys:
            return reading
    rx = re.compile(wild.replace(".?", "."))  # a symbol stands for exactly one letter
    size = len(chunk_letters(chunk))
    hits = [k for k in keys if len(k) == size and rx.fullmatch(k)]
    return hits[0] if len(hits) == 1 else None


def chunk_letters(chunk: str) -> str:
    """A disguised chunk as letters and wildcards, one per intended letter."""
    out, last_symbol = [], False
    for c in chunk:
        if c.isalpha() or c in _DISGUISE:
            out.append(c)
            last_symbol = False
        elif _is_symbol(c) and not last_symbol:
            out.append("?")
            last_symbol = True
    return "".join(out)


def disguised_tokens(text: str, index: NameIndex) -> list[NameToken]:
    """Tokens for disguised names, each with the key of the name it resolves to."""
    keys = index.single_keys()
    out: list[NameToken] = []
    for m in _SPACED.finditer(text):
        out += _spaced_name(text, m.start(), m.end(), keys)
    taken = [(t.start, t.end) for t in out]
    for m in _CHUNK.finditer(text):
        start, end = m.span()
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        chunk = text[start:end]
        if chunk.isalpha() or chunk.isdigit() or chunk[:1] in "@#":
            continue  # a plain word or number: the common case, nothing disguised
        if any(s < end and start < e for s, e in taken):
            continue
        if chunk.lower().endswith("'s"):
            chunk, end = chunk[:-2], end - 2
        resolved = _resolve(chunk, keys)
        if resolved is not None:
            out.append(NameToken(start, end, resolved, True, False, "disguised"))
    return out


def _spaced_name(text: str, start: int, end: int, keys: frozenset[str]) -> list[NameToken]:
    """The longest register name in a run of spaced letters ("r.o.s.e u r a legend")."""
    letters = [i for i in range(start, end) if text[i].isalpha()]
    seps = [text[a + 1 : b] for a, b in zip(letters, letters[1:], strict=False)]
    for size in range(len(letters), 2, -1):
        for i in range(len(letters) - size + 1):
            window = letters[i : i + size]
            inside = set(seps[i : i + size - 1])
            outside = {seps[k] for k in (i - 1, i + size - 1) if 0 <= k < len(seps)}
            if len(inside) != 1 or inside & outside:
                continue  # "f u c k i n g" holds no "k i n g"; "r.o.s.e u r" holds "r.o.s.e"
            key = fold_name("".join(text[k] for k in window))
            if key in keys:
                return [NameToken(window[0], window[-1] + 1, key, True, False, "disguised")]
    return []


def possessive_tokens(tokens: list[NameToken], index: NameIndex,
                      known: frozenset[str]) -> list[NameToken]:
    """"kofis joke", "Hamzas lunchbox": a first name with a possessive s and no apostrophe."""
    firsts = index.firsts_by_key()
    out = []
    for i, tok in enumerate(tokens):
        stem = tok.key[:-1]
        nxt = tokens[i + 1].key if i + 1 < len(tokens) else ""
        if (tok.key.endswith("s") and tok.key not in known and stem in firsts and len(stem) > 2
                and not everyday_word(stem) and nxt not in ("", "and", "or", "n")):
            tok = NameToken(tok.start, tok.end - 1, stem, tok.capitalised, tok.hashtag, tok.how)
        out.append(tok)
    return out


def fuzzy_surnames(text: str, tokens: list[NameToken], index: NameIndex) -> list[NameToken]:
    """"Amelia Thomson", "Kofi Mensa": a learner's first name, then their surname misspelled."""
    firsts = index.firsts_by_key()
    out = list(tokens)
    for i in range(1, len(out)):
        prev, tok = out[i - 1], out[i]
        if tok.how or prev.key not in firsts or text[prev.end : tok.start] != " ":
            continue
        for owner in firsts[prev.key]:
            surname = index.surname_of(owner.ident)
            if len(surname) >= 4 and tok.key != surname and _one_edit(tok.key, surname):
                out[i] = NameToken(tok.start, tok.end, surname, tok.capitalised, False, "fuzzy")
                break
    return out


def merge(tokens: list[NameToken], extra: Iterable[NameToken]) -> list[NameToken]:
    """The plain tokens with those under a disguised name replaced by its one token."""
    extra = list(extra)
    if not extra:
        return tokens
    kept = [t for t in tokens if not any(e.start <= t.start < e.end for e in extra)]
    return sorted([*kept, *extra], key=lambda t: t.start)


class FuzzyNames:
    """Register name words one edit away from a word (SymSpell's deletion neighbourhoods)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._by_deletion: dict[str, set[str]] = {}
        self.keys = frozenset(k for k in keys if len(k) >= _FUZZY_MIN - 1)
        self._by_prefix: dict[str, list[str]] = {}
        for key in self.keys:
            self._by_prefix.setdefault(key[:2], []).append(key)
        for key in self.keys:
            for variant in _deletions(key):
                self._by_deletion.setdefault(variant, set()).add(key)

    def near2(self, word: str) -> list[str]:
        """Long names two edits away ("Ibraheem" for Ibrahim), same first two letters."""
        bucket = self._by_prefix.get(word[:2], ())
        return sorted(k for k in bucket if len(k) >= 6 and abs(len(k) - len(word)) <= 2
                      and k != word and _distance(k, word) <= 2)

    def near(self, word: str) -> list[str]:
        found: set[str] = set()
        for variant in _deletions(word):
            found |= self._by_deletion.get(variant, set())
        return sorted(k for k in found if k != word and _one_edit(k, word))


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small words only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _transposed(a: str, b: str) -> bool:
    """Two neighbouring letters swapped: "Ehtan" for Ethan, "Emliy" for Emily."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]])


def _one_edit(a: str, b: str) -> bool:
    """One slip of the keyboard: a substitution, an insertion, a deletion or two neighbouring
    letters swapped (Damerau-Levenshtein distance one)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or _transposed(a, b)
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def fuzzy_tokens(tokens: list[NameToken], index: NameIndex, fuzzy: FuzzyNames,
                 known: frozenset[str]) -> list[NameToken]:
    """Tokens that are one edit from a register name (and are no word or other name)."""
    out = []
    for tok in tokens:
        short = len(tok.key) == _FUZZY_MIN - 1 and tok.capitalised
        if (tok.how or tok.hashtag or (len(tok.key) < _FUZZY_MIN and not short)
                or tok.key in known or tok.key in first_names() or everyday_word(tok.key, 3.0)):
            out.append(tok)
            continue
        near = fuzzy.near(tok.key) or (
            fuzzy.near2(tok.key) if len(tok.key) >= 7 and tok.capitalised else [])
        if short:  # four letters: only a dropped letter ("Megn") or a swap ("Blil")
            near = [k for k in near if len(k) == _FUZZY_MIN or _transposed(k, tok.key)]
        out.append(NameToken(tok.start, tok.end, near[0], tok.capitalised, False, "fuzzy")
                   if len(near) == 1 else tok)
    return out


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    key: str


def _pieces(text: str, start: int, end: int) -> list[_Piece]:
    """The words of a handle or a path: split at separators, digits and camel case."""
    out = []
    for m in _PIECE.finditer(text, start, end):
        out.append(_Piece(m.start(), m.end(), fold_name(m.group())))
    return out


def url_spans(text: str) -> list[tuple[int, int]]:
    """Where the web addresses are: their words are read by ``compound_mentions`` alone."""
    return [m.span() for m in _URL.finditer(text)]


def compound_mentions(text: str, index: NameIndex) -> Iterator[Mention]:
    """Learners named inside @handles, #hashtags and web addresses (not their domain)."""
    for m in _HANDLE.finditer(text):
        owners = _segment_owners(text, m.start() + 1, m.end(), index)
        if owners:
            yield Mention(m.start(), m.end(), owners, (), "compound")
    for m in _URL.finditer(text):
        start = text.find("/", m.start(), m.end())
        while start != -1:
            nxt = text.find("/", start + 1, m.end())
            end = nxt if nxt != -1 else m.end()
            if text[start - 1 : start] != "/":  # not the "//" of https://
                owners = _segment_owners(text, start + 1, end, index)
                if owners:
                    yield Mention(start + 1, end, owners, (), "compound")
            start = nxt


_YEAR_TAG = re.compile(r"[_.-]?(?:y|yr|year)\d{1,2}$", re.IGNORECASE)
_TITLE_START = re.compile(r"(?:mr|mrs|ms|miss|mx|dr|sir|coach)(?=[A-Z_.\d]|$)", re.IGNORECASE)


def _segment_owners(text: str, start: int, end: int, index: NameIndex) -> tuple[Owner, ...]:
    if _TITLE_START.match(text, start):
        return ()  # "@MissGraceY2", "#MrsBishop": a member of staff's account
    if (year := _YEAR_TAG.search(text, start, end)) is not None and year.start() > start:
        end = year.start()  # "@sandy_y5", "/well-done-ronnie-y4": the name, then a class
    pieces = _pieces(text, start, end)
    joined = "".join(p.key for p in pieces)
    bounds = {0}
    for p in pieces:
        bounds.add(max(bounds) + len(p.key))
    firsts = index.firsts_by_key()
    found: list[Owner] = []
    for i in range(len(joined)):
        # a name starts a piece, or follows a word in one run of capitals: "#TEAMTOBI"
        if i not in bounds and not everyday_word(joined[:i]):
            continue
        for j in range(min(len(joined), i + 14), i + 2, -1):
            owners = firsts.get(joined[i:j])
            if owners:
                found += _owners_after(joined, i, j, owners, index, whole=j in bounds)
                break
        if found:
            break
    return tuple(dict.fromkeys(found))


def _owners_after(joined: str, i: int, j: int, owners: list[Owner], index: NameIndex,
                  whole: bool = False) -> list[Owner]:
    """A first name at [i, j): followed by the surname, its initial, or alone (at either
    end, or as a whole word of its own that is no everyday word: "well-done-ronnie-y4")."""
    rest = joined[j:]
    out = []
    for owner in owners:
        surname = index.surname_of(owner.ident)
        if surname and rest.startswith(surname):
            out.append(Owner(owner.who, owner.ident, "full"))
        elif surname and rest[:1] == surname[:1] and (len(rest) == 1 or i == 0):
            out.append(Owner(owner.who, owner.ident, "initial"))
        elif i == 0 or not rest or (whole and not everyday_word(joined[i:j])):
            if everyday_word(joined[i:j]) and rest and not _plain_tail(rest):
                continue  # "#StarOfTheWeek", "#RubyClass": a phrase, not a name
            out.append(Owner(owner.who, owner.ident, "first"))
    return out


def _plain_tail(rest: str) -> bool:
    """What may follow a first name that is also a word: a short word ("#DawnRocks")."""
    from moderation.text.context import NOT_NAME_NEXT

    return 2 <= len(rest) <= 8 and rest not in NOT_NAME_NEXT and everyday_word(rest)
