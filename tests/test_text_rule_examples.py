"""Every rule's own examples: each 'match' example is found, each 'no_match' is not.

Rules that need parts of speech, entities or the parse run on the trained
model (slow); the rest run on a blank pipeline. A cross rule's examples are a
post's text and the learners its photo shows: they run through the name check
and the cross check, with the photo's faces given.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import spacy

from moderation.checks.base import CheckContext
from moderation.checks.cross import CrossCheck
from moderation.checks.learner_names import LearnerNameCheck
from moderation.draft import Draft, DraftImage
from moderation.findings import Finding, Severity
from moderation.pipeline import Engine, check
from moderation.rulepack import MODEL_KINDS, PICTURED, Rule, load_rules
from moderation.text.rulematch import RuleRunner, TextView
from tests.conftest import learner, snapshot

RULES = load_rules()
_BLANK = spacy.blank("en")
# The example register of the cross rules (see rules/cross.yaml).
EXAMPLE_REGISTER = snapshot(
    learner("A123456789012", "Amelia", "Thompson", name_consent="full"),
    learner("B234567890123", "Jayden", "Okafor", name_consent="full"),
)


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


class _Pictured:
    """Stands in for the image and face checks: the photo shows these learners."""

    name = "face"

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for number, name in enumerate(self.names):
            rec = next(r for r in ctx.register.learners if r.display_name == name)
            yield Finding(check="face", severity=Severity.INFO, rule="faces.consent-granted",
                          message=name, policy="5", suggestion="", learner=rec.upn, image=0,
                          face=number)


def _cross_hits(rule: Rule, example: str) -> list[Finding]:
    text, _, pictured = example.partition(PICTURED)
    names = [n.strip() for n in pictured.split(",") if n.strip()]
    engine = Engine(nlp=_BLANK, checks=[LearnerNameCheck(), _Pictured(names), CrossCheck()])
    draft = Draft.create(text, [DraftImage(b"", alt="photo", name="photo.jpg")], ["classdojo"])
    return [f for f in check(draft, EXAMPLE_REGISTER, engine).findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "text", "should_match"), _cases())
def test_rule_examples(rule: Rule, text: str, should_match: bool) -> None:
    if rule.kind == "cross":
        hits = _cross_hits(rule, text)
        assert bool(hits) == should_match, f"{rule.where}: {rule.id} on {text!r}: {hits}"
        return
    runner, nlp = _runner(rule)
    spans = runner.matches(TextView.of(text, nlp), [rule.id]).get(rule.id, [])
    if should_match:
        assert spans, f"{rule.where}: {rule.id} should match {text!r}"
        assert all(0 <= s < e <= len(text) for s, e in spans)
    else:
        assert not spans, f"{rule.where}: {rule.id} wrongly matches {[text[s:e] for s, e in spans]}"
