"""Personal data (phone, email, postcode, address, date of birth, UPN) and live location.

The patterns are rules in ``rules/personal_data.yaml``; this check only runs them.
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.findings import Finding
from moderation.text.shared import rule_findings


class PersonalDataCheck:
    name = "personal_data"
    reads_text = True  # also run on every alt text (it is published too)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return rule_findings(ctx, self.name)
