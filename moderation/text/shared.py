"""Per-draft and per-engine text resources the text checks share (built once each)."""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.findings import Finding, Span
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
    for rule, (start, end) in rule_runner(ctx).for_check(view, check):
        said = view.text[start:end]
        yield Finding(
            check=check, severity=rule.severity, rule=rule.id, message=rule.render(text=said),
            policy=rule.policy, suggestion=rule.suggestion, span=Span(start, end, said),
            tags=rule.tags,
        )
