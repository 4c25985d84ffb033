"""Learner names from the register, found in the draft text.

Severity follows the learner's name consent: a full name without ``full``
consent, any name with ``none`` (or expired consent), or any mention of a
never-publish learner blocks; a name the family agreed to is shown as info.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from consent_store.snapshot import LearnerRecord, RegisterSnapshot
from moderation.findings import Finding, Severity, Span

POLICY = "4.1"
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$", re.IGNORECASE)
# Lower-case words that are also first names: only a capitalised use counts here.
_COMMON_WORDS = frozenset(
    "grace will may summer hope joy rose ruby holly amber faith jack mark bill sky river "
    "autumn poppy daisy ivy dawn april june august frank rich sunny penny chase hunter "
    "bob pat sue art guy".split()
)


@dataclass(frozen=True, slots=True)
class NameForm:
    upn: str
    kind: str  # "full" or "first"


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    key: str  # case-folded, possessive removed
    capitalised: bool


def _fold(text: str) -> str:
    return text.replace("’", "'").casefold()


def tokens(text: str) -> list[Token]:
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        stripped = _POSSESSIVE.sub("", word) if len(word) > 2 else word
        end = m.start() + len(stripped)
        out.append(Token(m.start(), end, _fold(stripped), stripped[:1].isupper()))
    return out


class NameIndex:
    """Every name form of every current learner, keyed by its case-folded words."""

    def __init__(self, learners: Iterable[LearnerRecord]) -> None:
        self.forms: dict[tuple[str, ...], list[NameForm]] = {}
        self.longest = 1
        for rec in learners:
            for form, kind in self._forms_of(rec):
                key = tuple(_fold(w) for w in _WORD.findall(form))
                if key:
                    self.forms.setdefault(key, []).append(NameForm(rec.upn, kind))
                    self.longest = max(self.longest, len(key))

    @staticmethod
    def _forms_of(rec: LearnerRecord) -> Iterator[tuple[str, str]]:
        firsts = {n for n in (rec.first_name, rec.preferred_name) if n}
        for first in firsts:
            yield first, "first"
            if rec.last_name:
                yield f"{first} {rec.last_name}", "full"
        for alias in rec.aliases:
            yield alias, "first"

    def find(self, text: str) -> Iterator[tuple[int, int, list[NameForm]]]:
        toks = tokens(text)
        i = 0
        while i < len(toks):
            for n in range(min(self.longest, len(toks) - i), 0, -1):
                key = tuple(t.key for t in toks[i : i + n])
                forms = self.forms.get(key)
                if forms and self._plausible(toks[i : i + n], text):
                    yield toks[i].start, toks[i + n - 1].end, forms
                    i += n
                    break
            else:
                i += 1

    @staticmethod
    def _plausible(span: list[Token], text: str) -> bool:
        if len(span) > 1:
            # A full name must not run across a sentence or line break.
            gap = text[span[0].end : span[-1].start]
            return not re.search(r"[.!?\n]", gap)
        tok = span[0]
        return tok.capitalised or tok.key not in _COMMON_WORDS


def _rule_for(rec: LearnerRecord, kind: str, snapshot: RegisterSnapshot) -> tuple[str, Severity]:
    if rec.never_publish:
        return "names.never-publish", Severity.BLOCK
    consent = rec.effective_name_consent(snapshot.as_of)
    if consent == "none":
        return "names.no-name-consent", Severity.BLOCK
    if kind == "full" and consent != "full":
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
                "Remove the name, e.g. write 'a Year 5 pupil' instead.")
    if rule == "names.full-name-without-consent":
        return (f"{who}: first-name consent only.",
                f"Use the first name only: {first!r}.")
    return (f"{who}; the family consented to this use of the name.", "")


class LearnerNameCheck:
    name = "learner_name"

    def run(self, ctx) -> Iterator[Finding]:  # noqa: ANN001 - CheckContext
        snapshot: RegisterSnapshot = ctx.register
        index: NameIndex = ctx.engine.per_register(
            snapshot, "learner-name-index", lambda: NameIndex(snapshot.current_learners)
        )
        by_upn = {rec.upn: rec for rec in snapshot.current_learners}
        text = ctx.draft.text
        for start, end, forms in index.find(text):
            yield self._finding(forms, by_upn, snapshot, Span(start, end, text[start:end]))

    @staticmethod
    def _finding(forms, by_upn, snapshot, span: Span) -> Finding:  # noqa: ANN001
        candidates = []
        for form in forms:
            rec = by_upn[form.upn]
            rule, severity = _rule_for(rec, form.kind, snapshot)
            candidates.append((severity.rank, rule, rec, severity))
        # The strictest reading wins when several learners share the name.
        candidates.sort(key=lambda c: (-c[0], c[2].upn))
        _, rule, rec, severity = candidates[0]
        message, suggestion = _wording(rule, rec, span.text, len({c[2].upn for c in candidates}))
        return Finding(
            check="learner_name", severity=severity, rule=rule, message=message,
            policy=POLICY, suggestion=suggestion, span=span, learner=rec.upn,
        )
