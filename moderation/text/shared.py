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


def _covers(a: Rule, a_span: tuple[int, int], b: Rule, b_span: tuple[int, int]) -> bool:
    """Rule ``a``'s hit makes ``b``'s redundant: it holds the same words, at least as strict
    (between equals, the first rule id is kept)."""
    if a is b or not (a_span[0] <= b_span[0] and b_span[1] <= a_span[1]):
        return False
    if a.kind in TARGETED_KINDS and a_span != b_span:
        return False  # a whole sentence: the words inside it keep their own findings
    if a.severity.rank != b.severity.rank:
        return a.severity.rank > b.severity.rank
    return a_span != b_span or a.id < b.id
