"""Jinja filters for times and channels as people read them ("3 hours", "X (Twitter)")."""

from __future__ import annotations

from datetime import datetime, timedelta

from consent_store.channels import CHANNELS, label
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


def channel_label(name: str) -> str:
    return label(name) if name in CHANNELS else name


def channel_list(names: str | list[str] | tuple[str, ...]) -> str:
    """"Facebook, Class Dojo" from a list of channel names or their ";"-joined form."""
    items = [n for n in (names.split(";") if isinstance(names, str) else names) if n]
    return ", ".join(channel_label(n) for n in items)


def install(env) -> None:  # noqa: ANN001
    env.filters["age"] = age
    env.filters["since"] = since
    env.filters["channel"] = channel_label
    env.filters["channel_list"] = channel_list
