"""Threats, profanity, defamation, insults and identity attacks.

The rules live in ``rules/tone.yaml`` so a school can change a severity or add
a phrase without touching code; this check only runs them.
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.findings import Finding
from moderation.text.shared import rule_findings


class ToneCheck:
    name = "tone"
    reads_text = True  # also run on every alt text (it is published too)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return rule_findings(ctx, self.name)
