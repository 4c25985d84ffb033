"""Learner names from the register, found in the draft text.

Severity follows the learner's name consent: a full name (or a first name with
the surname's initial) without ``full`` consent, any name with ``none`` (or
expired consent), or any mention of a never-publish learner blocks; a name the
family agreed to is shown as info. Names are matched on the normalised text
(evasion undone) and reported at their offsets in the text as submitted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from consent_store.snapshot import LearnerRecord, RegisterSnapshot
from moderation.checks.base import CheckContext
from moderation.findings import Finding, Severity, Span
from moderation.text.context import caseless, dated, reads_as_name
from moderation.text.lexicon import everyday_word, ordinary_word, word_names
from moderation.text.mentions import draft_names
from moderation.text.names import NOT_SURNAME, Mention, NameToken, Owner, saint_or_knight, titled
from moderation.text.normalise import fold_name
from moderation.text.sentences import TITLES
from moderation.text.shared import text_view

_IDENTIFYING = {"full", "initial", "reversed", "initial_first", "surname"}


def _rule_for(rec: LearnerRecord, kind: str, snapshot: RegisterSnapshot) -> tuple[str, Severity]:
    if rec.never_publish:
        return "names.never-publish", Severity.BLOCK
    consent = rec.effective_name_consent(snapshot.as_of)
    if consent == "none":
        return "names.no-name-consent", Severity.BLOCK
    if kind in _IDENTIFYING and consent != "full":
        return "names.full-name-without-consent", Severity.BLOCK
    return "names.learner-named", Severity.INFO


def _wording(rule: str, rec: LearnerRecord, said: str, ambiguous: int) -> tuple[str, str]:
    first = rec.preferred_name or rec.first_name
    who = f"{said!r} matches learner {rec.display_name} ({rec.year_group or 'no year group'})"
    if ambiguous > 1:
        who += f" and {ambiguous - 1} other learner(s) with that name"
    if rule == "names.never-publish":
        return (f"{who}, who must never appear in school publications.",
                "Remove the name. Do not publish anything that identifies this learner.")
    if rule == "names.no-name-consent":
        return (f"{who}: the family has not consented to the name being published"
                " (or consent has expired).",
                f"Remove the name, e.g. write 'a {rec.year_group or 'school'} pupil' instead.")
    if rule == "names.full-name-without-consent":
        return (f"{who}: first-name consent only, and this names the surname"
                " (or its initial).",
                f"Use the first name only: {first!r}.")
    return (f"{who}; the family consented to this use of the name.",
            "No change needed; check it is the learner you mean.")


def staff_firsts(ctx: CheckContext) -> frozenset[str]:
    snap = ctx.register
    return ctx.resources.per_register(  # type: ignore[no-any-return]
        snap, "text.staff-firsts",
        lambda: frozenset(fold_name(s.first_name) for s in snap.staff if s.first_name))


def staff_surnames(ctx: CheckContext) -> dict[str, frozenset[str]]:
    """Each staff first name (folded) with the surnames of the staff who have it."""
    snap = ctx.register

    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for s in snap.staff:
            if s.first_name and s.last_name:
                out.setdefault(fold_name(s.first_name), set()).add(fold_name(s.last_name))
        return {k: frozenset(v) for k, v in out.items()}

    return ctx.resources.per_register(snap, "text.staff-surnames-by-first", build)  # type: ignore[no-any-return]


_TITLE_ALTS = "|".join(t.lower() for t in TITLES)


def _staff_by_context(ctx: CheckContext, text: str, key: str) -> bool:
    """"Will (Mr Brennan)", "Joy Wood ... Joy": a first name the draft shows is staff's
    (every mention of it in the draft, then)."""
    lasts = staff_surnames(ctx).get(key)
    if not lasts:
        return False
    folded = fold_name(text)
    surname = "|".join(re.escape(last) for last in lasts)
    titled = rf"\s*\((?:thats\s+|aka\s+)?(?:{_TITLE_ALTS})\.?\s+"
    said = rf"\b{re.escape(key)}(?:\s+|{titled})(?:{surname})\b"
    return re.search(said, folded) is not None


_IN_YEAR = re.compile(r"\s+(?:in|of|from)\s+(?:year|yr|y)\s?\d|\s+\((?:year|yr|y)\s?\d",
                      re.IGNORECASE)


def _in_year_group(text: str, end: int) -> bool:
    """"Sianne in Year 3", "Mohamad (Y5)": a child, named."""
    return _IN_YEAR.match(text, end) is not None


_CAMEL_PART = re.compile(r"[A-Z][a-z]+")


def _place_or_phrase(ctx: CheckContext, text: str, tok: NameToken, start: int, end: int) -> bool:
    """"in Dudley" (a place), "#StarOfTheWeek" (a phrase): not a learner."""
    if tok.hashtag and tok.key in word_names():
        rest = re.match(r"[A-Za-z]*", text[tok.end :])
        return rest is not None and len(_CAMEL_PART.findall(rest.group())) >= 2
    span = ctx.doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span) or span[0].i == 0:
        return False
    first = span[0]
    return (first.ent_type_ in ("GPE", "LOC", "FAC")
            and ctx.doc[first.i - 1].lower_ in ("in", "at", "near"))


class LearnerNameCheck:
    name = "learner_name"
    reads_text = True  # also run on every alt text (it is published too)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        snapshot = ctx.register
        by_upn: dict[str, LearnerRecord] = ctx.resources.per_register(
            snapshot, "text.learners-by-upn",
            lambda: {rec.upn: rec for rec in snapshot.current_learners})
        norm = text_view(ctx).norm
        names = draft_names(ctx)
        after = {a.start: b for a, b in zip(names.tokens, names.tokens[1:], strict=False)}
        for mention in names.mentions:
            owners = [o for o in mention.owners if o.who == "learner"]
            if not owners or not self._is_learner_use(ctx, mention):
                continue
            if self._part_of_other_name(norm.text, mention, after.get(mention.start)):
                continue
            start, end = norm.to_source(mention.start, mention.end)
            span = Span(start, end, ctx.draft.text[start:end])
            yield self._finding(owners, by_upn, snapshot, span)

    @staticmethod
    def _is_learner_use(ctx: CheckContext, mention: Mention) -> bool:
        """A learner's name keeps its consent rule whatever precedes it ("Miss Aminata",
        "Mr Clarke, Noah's dad"), except a staff member's own title and first name or a
        saint's; a word-name needs context."""
        norm = text_view(ctx).norm
        if saint_or_knight(norm.text, mention.start):
            return False
        if mention.how:
            return True  # in a handle, hashtag or address, or a surname in family context
        tok = mention.tokens[0]
        if titled(norm.text, mention.start) and tok.key in staff_firsts(ctx):
            return False
        if len(mention.tokens) == 1 and _staff_by_context(ctx, norm.text, tok.key):
            return False
        if len(mention.tokens) > 1 or tok.how == "disguised":
            return True
        start, end = norm.to_source(mention.start, mention.end)
        if ctx.draft.text[start:end] != norm.text[mention.start : mention.end]:
            return True  # a disguised name ("R\u00aduby", "\u0410melia") is meant as a name
        if _place_or_phrase(ctx, norm.text, tok, start, end) or dated(ctx.doc, start, end):
            return False  # "the River Walk", "Thursday 5 Jun"
        if tok.how == "fuzzy" or ordinary_word(tok.key, 4.0) or (
                not tok.capitalised and ordinary_word(tok.key, 3.5)):
            return reads_as_name(ctx.doc, start, end) or _in_year_group(norm.text, mention.end)
        return True

    @staticmethod
    def _part_of_other_name(text: str, mention: Mention, nxt: NameToken | None) -> bool:
        """"Mark Twain", "Tom Gates": a first name followed by a surname not the learner's."""
        if mention.how or len(mention.tokens) > 1 or nxt is None or caseless(text):
            return False
        tok = mention.tokens[0]
        if tok.key not in word_names() and everyday_word(nxt.key, 4.5):
            return False  # "Amelia Brilliant work!": not a surname
        acronym = text[nxt.start : nxt.end].isupper()  # "Ishaan UPN", "Kyrie NHS number"
        return (text[tok.end : nxt.start] == " " and nxt.capitalised and not nxt.hashtag
                and nxt.key not in NOT_SURNAME and not nxt.how and not acronym)

    @staticmethod
    def _finding(owners: list[Owner], by_upn: dict[str, LearnerRecord],
                 snapshot: RegisterSnapshot, span: Span) -> Finding:
        candidates = []
        for owner in owners:
            rec = by_upn[owner.ident]
            rule, severity = _rule_for(rec, owner.kind, snapshot)
            candidates.append((severity.rank, rule, rec, severity))
        # The strictest reading wins when several learners share the name.
        candidates.sort(key=lambda c: (-c[0], c[2].upn))
        _, rule, rec, severity = candidates[0]
        message, suggestion = _wording(rule, rec, span.text, len({c[2].upn for c in candidates}))
        return Finding(
            check="learner_name", severity=severity, rule=rule, message=message,
            policy="", suggestion=suggestion, span=span, learner=rec.upn,
        )
