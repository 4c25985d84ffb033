"""Jinja filters for times as people read them ("3 hours", "yesterday")."""

from __future__ import annotations

from datetime import datetime, timedelta

from consent_store.models import utcnow


def age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 and unit != 'min' else ''}"
    return "just now"


def since(moment: datetime) -> str:
    text = age(utcnow() - moment)
    return text if text == "just now" else f"{text} ago"


def install(env) -> None:  # noqa: ANN001
    env.filters["age"] = age
    env.filters["since"] = since
