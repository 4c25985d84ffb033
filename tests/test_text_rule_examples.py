"""Every rule's own examples: each 'match' example is found, each 'no_match' is not.

Rules that need parts of speech, entities or the parse run on the trained
model (slow); the rest run on a blank pipeline.
"""

from __future__ import annotations

import pytest
import spacy

from moderation.rulepack import MODEL_KINDS, Rule, load_rules
from moderation.text.rulematch import RuleRunner, TextView

RULES = load_rules()
_BLANK = spacy.blank("en")


def _cases() -> list[object]:
    cases = []
    for rule in RULES:
        marks = [pytest.mark.slow] if rule.kind in MODEL_KINDS else []
        for text in rule.examples_match:
            cases.append(pytest.param(rule, text, True, id=f"{rule.id}+{text[:30]}", marks=marks))
        for text in rule.examples_no_match:
            cases.append(pytest.param(rule, text, False, id=f"{rule.id}-{text[:30]}", marks=marks))
    return cases


def _runner(rule: Rule) -> tuple[RuleRunner, spacy.language.Language]:
    if rule.kind in MODEL_KINDS:
        from tests.text_support import real_nlp

        nlp = real_nlp()
    else:
        nlp = _BLANK
    return RuleRunner(RULES, nlp.vocab), nlp


@pytest.mark.parametrize(("rule", "text", "should_match"), _cases())
def test_rule_examples(rule: Rule, text: str, should_match: bool) -> None:
    runner, nlp = _runner(rule)
    spans = runner.matches(TextView.of(text, nlp), [rule.id]).get(rule.id, [])
    if should_match:
        assert spans, f"{rule.where}: {rule.id} should match {text!r}"
        assert all(0 <= s < e <= len(text) for s, e in spans)
    else:
        assert not spans, f"{rule.where}: {rule.id} wrongly matches {[text[s:e] for s, e in spans]}"
