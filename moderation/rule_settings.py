"""A school's own settings for the rules of the packs: a severity of its own (or the rule
turned off) and the policy section it cites, over the trust's defaults, over the packs.

Pure data and one pure function: the report of a draft for a school is the engine's
report with ``apply`` of that school's settings. The packs' matching is untouched (one
engine serves every school); what changes is how much each finding gates and what it
cites. Some rules are the consent register's or safeguarding's, not a policy choice:
``fixed_floor`` names them, and no setting takes them below their pack's severity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from moderation.findings import Finding, Severity
from moderation.report import Report
from moderation.rulepack import Rule

OFF = "off"  # a severity setting: the rule's findings are left out of the report
CHOICES = (Severity.INFO.value, Severity.REVIEW.value, Severity.BLOCK.value, OFF)
# Checks whose rules enforce consent (a learner named and pictured): never lowered.
CONSENT_CHECKS = frozenset({"cross", "learner_name", "face"})
SAFEGUARDING = "safeguarding"


class RuleSettingError(ValueError):
    """A setting that cannot be used; the message says which rule and why."""


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """One layer's setting of one rule; an empty field inherits from the layer below."""

    severity: str = ""  # info, review, block, off; "" inherits
    policy: str = ""  # a section of the policy; "" inherits

    @property
    def empty(self) -> bool:
        return not (self.severity or self.policy)


def fixed_floor(rule: Rule) -> bool:
    """Rules no school may lower or turn off: consent checks, and safeguarding concerns
    (their findings tell the DSL)."""
    return rule.check in CONSENT_CHECKS or SAFEGUARDING in rule.tags


def validate(rule: Rule, setting: RuleSetting, sections: Iterable[str]) -> None:
    """Refuse a setting this rule cannot take, saying why."""
    if setting.severity and setting.severity not in CHOICES:
        raise RuleSettingError(f"rule {rule.id}: severity {setting.severity!r} is not one of "
                               f"{', '.join(CHOICES)}")
    if setting.severity and fixed_floor(rule) and (
            setting.severity == OFF or Severity(setting.severity).rank < rule.severity.rank):
        why = ("it enforces the consent register" if rule.check in CONSENT_CHECKS else
               "its findings tell the designated safeguarding lead")
        raise RuleSettingError(f"rule {rule.id} cannot be set below {rule.severity} or turned "
                               f"off: {why}. It may be made stricter.")
    known = list(sections)
    if setting.policy and setting.policy not in known:
        raise RuleSettingError(f"rule {rule.id}: section {setting.policy!r} is not a section "
                               f"of the policy ({', '.join(known)})")


@dataclass(frozen=True, slots=True)
class InForce:
    """What one rule does at one school, and where each part comes from."""

    rule: Rule
    severity: str  # info, review, block or off
    policy: str
    severity_from: str  # "pack", "trust" or "school"
    policy_from: str


def in_force(rules: Iterable[Rule], trust: Mapping[str, RuleSetting],
             school: Mapping[str, RuleSetting]) -> dict[str, InForce]:
    """Each rule's severity and section at a school: its own setting, else the trust's
    default, else the pack's."""
    out = {}
    for rule in rules:
        severity, policy = rule.severity.value, rule.policy
        severity_from = policy_from = "pack"
        for name, layer in (("trust", trust), ("school", school)):
            setting = layer.get(rule.id)
            if setting is None:
                continue
            if setting.severity:
                severity, severity_from = setting.severity, name
            if setting.policy:
                policy, policy_from = setting.policy, name
        if fixed_floor(rule) and (severity == OFF or
                                  Severity(severity).rank < rule.severity.rank):
            severity, severity_from = rule.severity.value, "pack"  # stored before a pack change
        out[rule.id] = InForce(rule, severity, policy, severity_from, policy_from)
    return out


def changed(settings: Mapping[str, InForce]) -> dict[str, InForce]:
    """Only the rules whose severity or section is not the pack's."""
    return {rid: f for rid, f in settings.items()
            if f.severity != f.rule.severity.value or f.policy != f.rule.policy}


def apply(report: Report, settings: Mapping[str, InForce]) -> Report:
    """The report with a school's settings: findings of a rule turned off left out, the
    others with the severity and section in force there. The verdict follows."""
    if not settings:
        return report
    findings = []
    for finding in report.findings:
        f = settings.get(finding.rule)
        if f is None:
            findings.append(finding)
        elif f.severity != OFF:
            findings.append(dataclasses.replace(finding, severity=Severity(f.severity),
                                                policy=f.policy))
    return dataclasses.replace(report, findings=tuple(sorted(findings, key=Finding.sort_key)))
