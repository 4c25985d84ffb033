"""The cross check: a learner both named in the text and recognised in a photo.

It reads the findings of the name and face checks (so it runs last). Its
severity and wording are rules of kind ``cross`` in the rule packs
(``rules/cross.yaml``), loaded and validated like every other rule, so a
school's rules folder changes them too.
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.draft import photo_label
from moderation.findings import Finding
from moderation.rulepack import Rule


class CrossCheck:
    name = "cross"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        rules = [r for r in ctx.resources.rules() if r.check == self.name]
        # Names in the post text: an alt-text name's span is into that alt text instead.
        named = {f.learner: f for f in ctx.findings
                 if f.check == "learner_name" and f.learner and f.image is None}
        seen: set[str] = set()
        for face in ctx.findings:
            upn = face.learner or ""
            if face.check != "face" or face.image is None or upn not in named or upn in seen:
                continue
            seen.add(upn)
            for rule in rules:
                yield self._finding(ctx, rule, named[upn], face)

    @staticmethod
    def _finding(ctx: CheckContext, rule: Rule, name: Finding, face: Finding) -> Finding:
        image = face.image or 0  # the caller only passes face findings with an image
        rec = ctx.register.learner(face.learner or "")
        who = rec.display_name if rec else str(face.learner)
        photo = photo_label(image, ctx.draft.images[image].name)
        return Finding(
            check="cross", severity=rule.severity, rule=rule.id,
            message=rule.render(name=who, photo=photo), policy=rule.policy,
            suggestion=" ".join(rule.suggestion.split()),
            span=name.span, learner=face.learner, image=image, face=face.face,
        )
