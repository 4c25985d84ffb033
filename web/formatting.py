"""How the pages write times, channels and roles: in the school's time zone and plain words.

The database keeps every moment in UTC (SQLite and PostgreSQL hand them back without a
zone); people read and enter them in the school's zone (``SECONDLOOK_TIMEZONE``, default
Europe/London), so a summer "09:00" is 09:00 BST, not 10:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from markupsafe import Markup, escape

from consent_store.channels import CHANNELS, label
from consent_store.models import utcnow

DEFAULT_ZONE = ZoneInfo("Europe/London")
ROLE_LABELS = {
    "author": "Author",
    "approver": "Approver",
    "headteacher": "Headteacher",
    "dsl": "Safeguarding lead (DSL)",
    "admin": "Admin",
}


class LocalTimeError(ValueError):
    """A time someone typed that is not a moment in the school's zone."""


def as_utc(moment: datetime) -> datetime:
    """A stored moment (naive means UTC) as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return as_utc(moment).astimezone(zone)


def day_text(moment: datetime | date, zone: ZoneInfo) -> str:
    """"3 Dec 2026" (a datetime is first moved into the school's zone)."""
    d = local(moment, zone) if isinstance(moment, datetime) else moment
    return f"{d.day} {d:%b %Y}"


def when_text(moment: datetime, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """"Tue 3 Dec 2026, 14:05" in the school's zone."""
    t = local(moment, zone)
    clock = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    return f"{t:%a} {t.day} {t:%b %Y}, {clock}"


def input_value(moment: datetime, zone: ZoneInfo) -> str:
    """The value of a ``datetime-local`` field showing ``moment`` in the school's zone."""
    return f"{local(moment, zone):%Y-%m-%dT%H:%M}"


def parse_local(raw: str, zone: ZoneInfo) -> datetime:
    """A ``datetime-local`` value typed in the school's zone, as an aware UTC moment.

    A time the clocks skip (01:30 on the last Sunday of March in London) is refused; a
    time they pass twice (01:30 in late October) is the first one, in summer time.
    """
    try:
        naive = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise LocalTimeError(f"{raw!r} is not a date and time like 2026-12-01T08:30") from exc
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    moment = naive.replace(tzinfo=zone, fold=0)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeError(f"{naive:%d %b %Y %H:%M} does not exist in {zone.key}: the "
                             "clocks go forward then. Choose a time an hour later")
    return moment.astimezone(UTC)


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
    text = age(utcnow() - as_utc(moment))
    return text if text == "just now" else f"{text} ago"


def channel_label(name: str) -> str:
    return label(name) if name in CHANNELS else name


def channel_list(names: str | list[str] | tuple[str, ...]) -> str:
    """"Facebook, Class Dojo" from a list of channel names or their ";"-joined form."""
    items = [n for n in (names.split(";") if isinstance(names, str) else names) if n]
    return ", ".join(channel_label(n) for n in items)


def role_label(role: Any) -> str:
    value = getattr(role, "value", role)
    return ROLE_LABELS.get(value, str(value))


def zone_of(ctx: Any) -> ZoneInfo:
    request = ctx.get("request")
    zone = getattr(getattr(getattr(request, "app", None), "state", None), "zone", None)
    return zone if isinstance(zone, ZoneInfo) else DEFAULT_ZONE


@pass_context
def _when(ctx: Any, moment: datetime | None, seconds: bool = False) -> str:
    return when_text(moment, zone_of(ctx), seconds=seconds) if moment else ""


@pass_context
def _clock(ctx: Any, moment: datetime | None) -> str:
    return f"{local(moment, zone_of(ctx)):%H:%M}" if moment else ""


@pass_context
def _day(ctx: Any, moment: datetime | date | None) -> str:
    return day_text(moment, zone_of(ctx)) if moment else ""


@pass_context
def _input_value(ctx: Any, moment: datetime | None) -> str:
    return input_value(moment, zone_of(ctx)) if moment else ""


@pass_context
def _ago(ctx: Any, moment: datetime | None) -> Markup:
    """"3 hours ago", with the exact local time on hover and for assistive technology."""
    if moment is None:
        return Markup("")
    exact = when_text(moment, zone_of(ctx))
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        as_utc(moment).isoformat(timespec="seconds"), exact, escape(since(moment)))


def install(env) -> None:  # noqa: ANN001
    env.filters["age"] = age
    env.filters["since"] = since
    env.filters["ago"] = _ago
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.filters["clock"] = _clock
    env.filters["input_value"] = _input_value
    env.filters["channel"] = channel_label
    env.filters["channel_list"] = channel_list
    env.filters["role"] = role_label
    env.globals["zone_name"] = lambda request: zone_of({"request": request}).key
