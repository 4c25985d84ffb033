"""Per-draft and per-engine text resources the text checks share (built once each)."""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.findings import Finding, Span
from moderation.rulepack import TARGETED_KINDS, Rule
from moderation.text.normalise import normalise
from moderation.text.rulematch import RuleRunner, TextView


def text_view(ctx: CheckContext) -> TextView:
    """The normalised text and the one parse of this draft."""
    view = ctx.artifacts.get("text.view")
    if view is None:
        view = TextView(norm=normalise(ctx.draft.text), doc=ctx.doc)
        ctx.artifacts["text.view"] = view
    return view


def rule_runner(ctx: CheckContext) -> RuleRunner:
    """The rule packs in force, compiled once per engine against the model's vocabulary."""
    res = ctx.resources
    return res.service("text.rules", lambda: RuleRunner(res.rules(), res.get_nlp().vocab))


def rule_findings(ctx: CheckContext, check: str) -> Iterator[Finding]:
    """One finding per rule hit of this check, worded by the rule pack."""
    view = text_view(ctx)
    view.people = [(f.span.start, f.span.end) for f in ctx.findings
                   if f.check in ("learner_name", "person_name") and f.span]
    hits = rule_runner(ctx).for_check(view, check)
    for rule, (start, end) in hits:
        if any(_covers(other, (s, e), rule, (start, end)) for other, (s, e) in hits):
            continue  # the same words, found by a rule that says as much: one finding
        said = view.text[start:end]
        yield Finding(
            check=check, severity=rule.severity, rule=rule.id, message=rule.render(text=said),
            policy=rule.policy, suggestion=rule.suggestion, span=Span(start, end, said),
            tags=rule.tags,
        )


_SENTENCE_KINDS = TARGETED_KINDS | {"co-occurrence"}


def _covers(a: Rule, a_span: tuple[int, int], b: Rule, b_span: tuple[int, int]) -> bool:
    """Rule ``a``'s hit makes ``b``'s redundant: the same words at least as strictly, or a
    narrower hit inside a whole sentence that says no more (the words are highlighted)."""
    if a is b:
        return False
    if a_span == b_span:
        if a.severity.rank != b.severity.rank:
            return a.severity.rank > b.severity.rank
        return a.id < b.id
    if a.severity.rank < b.severity.rank:
        return False
    if "classifier" in (a.kind, b.kind):
        # a rule's hit says more than the model's sentence around it: keep the rule's
        inside_b = b_span[0] <= a_span[0] and a_span[1] <= b_span[1]
        return b.kind == "classifier" and a.kind != "classifier" and inside_b
    inside_a = a_span[0] <= b_span[0] and b_span[1] <= a_span[1]
    inside_b = b_span[0] <= a_span[0] and a_span[1] <= b_span[1]
    return (inside_a and a.kind not in _SENTENCE_KINDS) or (
        inside_b and b.kind in _SENTENCE_KINDS and a.severity == b.severity)
