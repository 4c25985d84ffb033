"""Per-draft and per-engine text resources the text checks share (built once each)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from moderation.findings import Finding, Span
from moderation.rulepack import Rule, load_rules
from moderation.text.rulematch import RuleRunner, TextView

if TYPE_CHECKING:
    from moderation.pipeline import CheckContext


def text_view(ctx: CheckContext) -> TextView:
    """The normalised text and the one parse of this draft."""
    view = ctx.artifacts.get("text.view")
    if view is None:
        from moderation.text.normalise import normalise

        view = TextView(norm=normalise(ctx.draft.text), doc=ctx.doc)
        ctx.artifacts["text.view"] = view
    return view


def _rule_paths() -> list[Path] | None:
    from secondlook.config import get_settings

    folder = get_settings().rules_dir
    return sorted(folder.glob("*.yaml")) if folder else None


def configured_rules() -> list[Rule]:
    """The shipped packs, or the school's folder (SECONDLOOK_RULES_DIR); raises if one is bad."""
    return load_rules(_rule_paths())


def rule_runner(ctx: CheckContext) -> RuleRunner:
    return ctx.engine.service(
        "text.rules", lambda: RuleRunner(configured_rules(), ctx.engine.get_nlp().vocab)
    )


def rule_findings(ctx: CheckContext, check: str) -> Iterator[Finding]:
    """One finding per rule hit of this check, worded by the rule pack."""
    view = text_view(ctx)
    for rule, (start, end) in rule_runner(ctx).for_check(view, check):
        said = view.text[start:end]
        yield Finding(
            check=check, severity=rule.severity, rule=rule.id, message=rule.render(said),
            policy=rule.policy, suggestion=rule.suggestion, span=Span(start, end, said),
            tags=rule.tags,
        )
