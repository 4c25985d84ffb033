"""Rule ids in words, for the pages and reports people read (the ids stay in the JSON,
where scripts read them): "faces.no-photo-consent" -> "Faces: no photo consent"."""

from __future__ import annotations

from consent_store.channels import CHANNELS, label


def rule_label(rule: str) -> str:
    parts = [p for p in rule.split(".") if p]
    if not parts:
        return rule
    words = [label(p) if p in CHANNELS else p.replace("-", " ").replace("_", " ")
             for p in parts]
    head, rest = words[0].capitalize(), words[1:]
    return f"{head}: {', '.join(rest)}" if rest else head
