"""The cross check: a learner both named in the text and recognised in a photo.

It reads the findings of the name and face checks (so it runs last) and its
severity and wording come from ``rules/cross/cross.yaml``, so a school can change them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from moderation.checks.image import photo_label
from moderation.findings import Finding, Severity

if TYPE_CHECKING:
    from moderation.pipeline import CheckContext

RULES_FILE = Path(str(resources.files("rules.cross") / "cross.yaml"))
RULE_ID = "cross.named-and-pictured"


class RuleError(ValueError):
    """The cross rule file is missing or malformed; says which file and field."""


@dataclass(frozen=True, slots=True)
class CrossRule:
    id: str
    severity: Severity
    policy: str
    message: str  # format fields: {name}, {photo}
    suggestion: str


def load_rule(path: Path = RULES_FILE, rule_id: str = RULE_ID) -> CrossRule:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot be read as YAML ({exc})") from exc
    rules = doc.get("rules", []) if isinstance(doc, dict) else []
    found = [r for r in rules if isinstance(r, dict) and r.get("id") == rule_id]
    if not found:
        raise RuleError(f"{path}: no rule with id {rule_id!r}; add it back or restore the file")
    return _parse(path, found[0])


def _parse(path: Path, raw: dict[str, Any]) -> CrossRule:
    try:
        severity = Severity(str(raw.get("severity", "")))
    except ValueError as exc:
        raise RuleError(
            f"{path}: rule {raw['id']}: severity must be info, review or block, "
            f"not {raw.get('severity')!r}"
        ) from exc
    for key in ("message", "suggestion", "policy"):
        if not isinstance(raw.get(key), str):
            raise RuleError(f"{path}: rule {raw['id']}: {key!r} must be text")
    return CrossRule(raw["id"], severity, raw["policy"], raw["message"], raw["suggestion"])


class CrossCheck:
    name = "cross"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        rule: CrossRule = ctx.engine.service("cross-rule", load_rule)
        named = {f.learner: f for f in ctx.findings if f.check == "learner_name" and f.learner}
        seen: set[str] = set()
        for face in ctx.findings:
            upn = face.learner or ""
            if face.check != "face" or face.image is None or upn not in named or upn in seen:
                continue
            seen.add(upn)
            yield self._finding(ctx, rule, named[upn], face)

    @staticmethod
    def _finding(ctx: CheckContext, rule: CrossRule, name: Finding, face: Finding) -> Finding:
        image = face.image or 0  # the caller only passes face findings with an image
        rec = ctx.register.learner(face.learner or "")
        who = rec.display_name if rec else str(face.learner)
        photo = photo_label(image, ctx.draft.images[image].name)
        return Finding(
            check="cross", severity=rule.severity, rule=rule.id,
            message=" ".join(rule.message.format(name=who, photo=photo).split()),
            policy=rule.policy, suggestion=" ".join(rule.suggestion.split()),
            span=name.span, learner=face.learner, image=image, face=face.face,
        )
