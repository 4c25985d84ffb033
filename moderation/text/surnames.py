"""A learner named by surname alone: "the Okonkwo family", "Young Mwangi", "Kaczmarek in Y3".

A surname is rarer than a first name and says more (it names the whole family), but many
surnames are also words or places (Wood, Hall, Kent) and adults share them (Mr Okonkwo,
staff): those need a family word around them, and a title or a staff surname rules it out.
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.text.context import caseless as is_caseless
from moderation.text.lexicon import everyday_word, first_names
from moderation.text.names import Mention, NameIndex, NameToken, titled
from moderation.text.normalise import fold_name

_FAMILY_AFTER = frozenset("family families twins twin boy boys girl girls brothers brother sisters "
                          "sister siblings children kids household clan".split())
_FAMILY_BEFORE = frozenset("young master little".split())
# A capitalised word after which a surname is a place or a body, not a family.
_PLACE_AFTER = frozenset("road street lane avenue close park school academy primary hall centre "
                         "church zoo museum farm fc united city town cup trophy house way drive "
                         "court gardens theatre library station".split())


def _staff_surnames(ctx: CheckContext) -> frozenset[str]:
    snap = ctx.register
    return ctx.resources.per_register(  # type: ignore[no-any-return]
        snap, "text.staff-surnames",
        lambda: frozenset(fold_name(s.last_name) for s in snap.staff if s.last_name))


def surname_mentions(ctx: CheckContext, text: str, tokens: list[NameToken],
                     mentions: list[Mention], index: NameIndex) -> Iterator[Mention]:
    staff, caseless = _staff_surnames(ctx), is_caseless(text)
    covered = [(m.start, m.end) for m in mentions]
    for i, tok in enumerate(tokens):
        owners = index.surnames.get(tok.key)
        if not owners or tok.key in staff or any(s <= tok.start < e for s, e in covered):
            continue
        if not (tok.capitalised or caseless or tok.how) or titled(text, tok.start):
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if _part_of_other_name(text, prev, tok) or (nxt and nxt.key in _PLACE_AFTER
                                                    and _adjacent(text, tok, nxt)):
            continue
        if _family_context(text, prev, tok, nxt) or not (
                everyday_word(tok.key, 3.8) or tok.key in first_names()):
            yield Mention(tok.start, tok.end, tuple(owners), (tok,), "surname")


def _adjacent(text: str, a: NameToken, b: NameToken) -> bool:
    return text[a.end : b.start] in (" ", "")


def _part_of_other_name(text: str, prev: NameToken | None, tok: NameToken) -> bool:
    """"Aspen Field", "Imam Yusuf Abdi": the surname of someone else's full name."""
    return (prev is not None and prev.capitalised and _adjacent(text, prev, tok)
            and (prev.key in first_names() or not everyday_word(prev.key))
            and prev.key not in _FAMILY_BEFORE)


def _family_context(text: str, prev: NameToken | None, tok: NameToken,
                    nxt: NameToken | None) -> bool:
    if prev is not None and prev.key in _FAMILY_BEFORE and _adjacent(text, prev, tok):
        return True
    return nxt is not None and nxt.key in _FAMILY_AFTER and _adjacent(text, tok, nxt)
