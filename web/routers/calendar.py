"""The calendar: a month of scheduled and released posts, filtered by status, drawn in the
school's time zone (a post released at 23:30 UTC in June is on the next day in London)."""

from __future__ import annotations

import calendar as cal
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from consent_store.models import utcnow
from secondlook.release.calendar import KINDS, CalendarEntry, calendar_entries
from web.deps import SessionDep, StaffDep, ZoneDep
from web.templating import page

router = APIRouter(prefix="/calendar", tags=["calendar"])
FILTERS = {"all": "Everything", "scheduled": "Scheduled", "released": "Released",
           "failed": "Schedule failed"}


def _month(raw: str, zone: ZoneInfo) -> date:
    if not raw:
        return utcnow().astimezone(zone).date().replace(day=1)
    try:
        year, month = (int(p) for p in raw.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise HTTPException(status_code=422,
                            detail=f"{raw!r} is not a month like 2026-12") from exc


def _bounds(first: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    nxt = (first + timedelta(days=32)).replace(day=1)
    start = datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=zone).astimezone(UTC)


def _weeks(first: date, entries: list[CalendarEntry],
           zone: ZoneInfo) -> list[list[tuple[date, list[CalendarEntry]]]]:
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.at.astimezone(zone).date()].append(entry)
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[(d, by_day.get(d, [])) for d in week] for week in weeks]


@router.get("", response_class=HTMLResponse, summary="Scheduled and released posts by month")
def calendar_page(request: Request, session: SessionDep, user: StaffDep, zone: ZoneDep,
                  month: str = "", status: str = "all") -> HTMLResponse:
    if status not in FILTERS:
        raise HTTPException(status_code=422, detail=f"status must be one of "
                            f"{', '.join(FILTERS)}, not {status!r}")
    first = _month(month, zone)
    start, end = _bounds(first, zone)
    kinds = set(KINDS) if status == "all" else {status}
    entries = calendar_entries(session=session, user=user, start=start, end=end, kinds=kinds)
    prev = (first - timedelta(days=1)).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return page(request, "calendar.html", {
        "user": user, "first": first, "weeks": _weeks(first, entries, zone),
        "entries": entries, "status": status, "filters": FILTERS,
        "prev": f"{prev:%Y-%m}", "next": f"{nxt:%Y-%m}",
        "today": utcnow().astimezone(zone).date()})
