"""The known names in one draft, found once and shared by the name checks."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.checks.base import CheckContext
from moderation.text.disguise import (
    FuzzyNames,
    compound_mentions,
    disguised_tokens,
    fuzzy_surnames,
    fuzzy_tokens,
    merge,
    possessive_tokens,
    url_spans,
)
from moderation.text.lexicon import public_names
from moderation.text.names import Mention, NameIndex, NameToken, tokenize
from moderation.text.shared import text_view
from moderation.text.surnames import surname_mentions


@dataclass(frozen=True, slots=True)
class DraftNames:
    tokens: list[NameToken]
    mentions: list[Mention]


def name_index(ctx: CheckContext) -> NameIndex:
    """Built once per register snapshot: learners, staff and public figures."""
    snap = ctx.register
    return ctx.resources.per_register(  # type: ignore[no-any-return]
        snap, "text.name-index",
        lambda: NameIndex.build(snap.current_learners, snap.staff, public_names()),
    )


def _fuzzy(ctx: CheckContext, index: NameIndex) -> tuple[FuzzyNames, frozenset[str]]:
    def build() -> tuple[FuzzyNames, frozenset[str]]:
        known = index.single_keys() | frozenset(k for key in index.forms for k in key)
        return FuzzyNames(index.single_keys()), known

    return ctx.resources.per_register(ctx.register, "text.fuzzy-names", build)  # type: ignore[no-any-return]


def _overlaps(m: Mention, taken: list[Mention]) -> bool:
    return any(m.start < t.end and t.start < m.end for t in taken)


def draft_names(ctx: CheckContext) -> DraftNames:
    found = ctx.artifacts.get("text.names")
    if found is None:
        text = text_view(ctx).norm.text
        index = name_index(ctx)
        tokens = merge(tokenize(text), disguised_tokens(text, index))
        fuzzy, known = _fuzzy(ctx, index)
        tokens = possessive_tokens(tokens, index, known)
        tokens = fuzzy_surnames(text, fuzzy_tokens(tokens, index, fuzzy, known), index)
        urls = url_spans(text)
        # A web address is read piece by piece (below), not as words: "/stars/" is no "Star's"
        mentions = [m for m in index.find(text, tokens)
                    if not any(a <= m.start and m.end <= b for a, b in urls)]
        for extra in compound_mentions(text, index):
            inside = [m for m in mentions if extra.start <= m.start and m.end <= extra.end]
            said_more = any(o.kind != "first" for o in extra.owners) and all(
                o.kind == "first" for m in inside for o in m.owners)
            if inside and not said_more:
                continue  # "#AmeliaThompson" was read already; "#ZuzaW" says more than "Zuza"
            mentions = [m for m in mentions if m not in inside]
            if not _overlaps(extra, mentions):
                mentions.append(extra)
        mentions += list(surname_mentions(ctx, text, tokens, mentions, index))
        found = DraftNames(tokens, sorted(mentions, key=lambda m: m.start))
        ctx.artifacts["text.names"] = found
    return found
