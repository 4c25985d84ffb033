"""Times are shown and typed in the school's zone (SECONDLOOK_TIMEZONE, Europe/London by
default), whatever the server's clock says: a summer 09:00 is 09:00 BST, 08:00 UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from secondlook.config import Settings
from secondlook.release.models import ScheduledRelease
from secondlook.workflow.audit import history
from tests.release_helpers import approved_draft
from tests.web_support import make_app, signed_in
from web.formatting import LocalTimeError, input_value, parse_local, when_text

pytest_plugins = ["tests.workflow_support"]
LONDON = ZoneInfo("Europe/London")


def test_a_summer_time_is_shown_in_british_summer_time() -> None:
    moment = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert when_text(moment, LONDON) == "Wed 1 Jul 2026, 09:00"
    assert when_text(datetime(2026, 12, 1, 8, 0), LONDON) == "Tue 1 Dec 2026, 08:00"  # naive: UTC
    assert input_value(moment, LONDON) == "2026-07-01T09:00"


def test_typed_times_are_read_in_the_school_zone() -> None:
    assert parse_local("2026-07-01T09:00", LONDON) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_local("2026-12-01T09:00", LONDON) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    # 01:30 happens twice on 25 October 2026: the first one, still in summer time
    assert parse_local("2026-10-25T01:30", LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_with_what_to_do() -> None:
    with pytest.raises(LocalTimeError, match="does not exist in Europe/London"):
        parse_local("2026-03-29T01:30", LONDON)
    with pytest.raises(LocalTimeError, match="not a date and time"):
        parse_local("next tuesday", LONDON)


def test_the_zone_setting_is_checked_at_start() -> None:
    assert Settings().timezone == "Europe/London"
    assert Settings(timezone="Europe/Dublin").zone() == ZoneInfo("Europe/Dublin")
    with pytest.raises(ValidationError, match="not a time zone name"):
        Settings(timezone="Europe/Atlantis")


def test_scheduling_takes_and_shows_the_schools_time(sqlite_db, staff, mengine,  # noqa: ANN001
                                                     blank_nlp) -> None:  # noqa: ANN001
    draft_id = approved_draft(sqlite_db, staff, mengine, ["classdojo"], photos=[])
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, staff["alice"])
    summer = datetime.now(UTC).year + 1
    page = client.get(f"/drafts/{draft_id}/release").text
    assert "Release at (Europe/London time)" in page and "UTC" not in page
    done = client.post(f"/drafts/{draft_id}/release/schedule",
                       data={"csrf_token": csrf, "at": f"{summer}-06-15T09:00"})
    assert done.status_code == 200
    with Session(sqlite_db) as s:
        row = s.get(ScheduledRelease, draft_id)
        assert row is not None and row.release_at == datetime(summer, 6, 15, 8, 0, tzinfo=UTC)
    assert re.search(rf"Scheduled for \w+ 15 Jun {summer}, 09:00 \(Europe/London time\)",
                     done.text)
    past = (datetime.now(UTC) - timedelta(days=1)).astimezone(LONDON)
    refused = client.post(f"/drafts/{draft_id}/release/schedule",
                          data={"csrf_token": csrf, "at": f"{past:%Y-%m-%dT%H:%M}"})
    assert refused.status_code == 422 and "is in the past" in refused.text
    last_sunday = max(date(summer, 3, d) for d in range(25, 32)
                      if date(summer, 3, d).weekday() == 6)  # the clocks go forward at 01:00
    gap = client.post(f"/drafts/{draft_id}/release/schedule",
                      data={"csrf_token": csrf, "at": f"{last_sunday}T01:30"})
    assert gap.status_code == 422 and "does not exist in Europe/London" in gap.text


def test_history_shows_local_times_and_peoples_names(sqlite_db, staff, mengine,  # noqa: ANN001
                                                     blank_nlp) -> None:  # noqa: ANN001
    draft_id = approved_draft(sqlite_db, staff, mengine, ["classdojo"], photos=[])
    app = make_app(sqlite_db, blank_nlp, timezone="Asia/Tokyo")  # far from UTC: visible
    client, _ = signed_in(app, sqlite_db, staff["alice"])
    page = client.get(f"/drafts/{draft_id}/audit").text
    with Session(sqlite_db) as s:
        first = history(session=s, draft_id=draft_id)[0].created_at
    tokyo = first.astimezone(ZoneInfo("Asia/Tokyo"))  # nine hours ahead of UTC
    assert f"{tokyo.day} {tokyo:%b %Y}, {tokyo:%H:%M:%S}" in page and "(Asia/Tokyo time)" in page
    assert "<strong>Alice</strong>" in page and "<strong>Bob</strong>" in page
    assert "UTC" not in page
