"""The known names in one draft, found once and shared by the name checks."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.checks.base import CheckContext
from moderation.text.lexicon import public_names
from moderation.text.names import Mention, NameIndex, NameToken, tokenize
from moderation.text.shared import text_view


@dataclass(frozen=True, slots=True)
class DraftNames:
    tokens: list[NameToken]
    mentions: list[Mention]


def name_index(ctx: CheckContext) -> NameIndex:
    """Built once per register snapshot: learners, staff and public figures."""
    snap = ctx.register
    return ctx.resources.per_register(
        snap, "text.name-index",
        lambda: NameIndex.build(snap.current_learners, snap.staff, public_names()),
    )


def draft_names(ctx: CheckContext) -> DraftNames:
    found = ctx.artifacts.get("text.names")
    if found is None:
        text = text_view(ctx).norm.text
        tokens = tokenize(text)
        found = DraftNames(tokens, list(name_index(ctx).find(text, tokens)))
        ctx.artifacts["text.names"] = found
    return found
