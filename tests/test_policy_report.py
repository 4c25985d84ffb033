"""The policy-review report for a seeded term: posts, findings, overrides, approval
times and takedowns, as a page, a CSV and a self-contained HTML file."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from consent_store.db import session_scope
from consent_store.models import utcnow
from consent_store.register_import import LearnerChange
from secondlook.release import publishing
from secondlook.release.adapters import Published
from secondlook.release.policy_report import Period, build_report
from secondlook.release.policy_report_export import to_csv, to_html
from secondlook.release.takedowns import open_takedowns
from secondlook.workflow import drafts
from tests.fakes.content import content

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine

REASON = "=Fair comment: the minutes confirm it; agreed with the chair of governors"


class _Posted:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def publish(self, item) -> Published:  # noqa: ANN001
        return Published(f"{item.draft_id}", f"https://{self.channel}.example/{item.draft_id}")


def _draft(s, staff, mengine, text: str, channels: list[str]) -> int:  # noqa: ANN001
    view = drafts.create_draft(session=s, author=staff["alice"], text=text, channels=channels,
                               checker=mengine)
    drafts.submit(session=s, draft_id=view.id, user=staff["alice"])
    return view.id


def _approve(s, staff, draft_id: int) -> None:  # noqa: ANN001
    from secondlook.workflow.views import load_view

    sha = load_view(s, draft_id).content_sha256
    drafts.approve(session=s, draft_id=draft_id, user=staff["bob"], content_sha256=sha)


@pytest.fixture
def term(db, mengine):  # noqa: ANN001, ANN201 - SQLite and PostgreSQL
    """Four drafts: two released (one signed off), one returned, one blocked."""
    from tests.workflow_helpers import add_staff

    staff = add_staff(db)
    with session_scope(db) as s:
        plain = _draft(s, staff, mengine, "Harvest festival thanks", ["facebook", "twitter"])
        _approve(s, staff, plain)
        flagged = _draft(s, staff, mengine, "[review] The councillor misled parents",
                         ["facebook"])
        from secondlook.workflow.views import load_view
        drafts.sign_off(session=s, draft_id=flagged, user=staff["helen"],
                        content_sha256=load_view(s, flagged).content_sha256, reason=REASON)
        _approve(s, staff, flagged)
        back = _draft(s, staff, mengine, "[review] second flagged text", ["twitter"])
        drafts.return_draft(session=s, draft_id=back, user=staff["bob"],
                            reason="Too long for X: please shorten it")
        drafts.create_draft(session=s, author=staff["alice"], text="[block] x",
                            channels=["facebook"], checker=mengine)
    from dataclasses import replace
    for draft_id, channels in ((plain, ("facebook", "twitter")), (flagged, ("facebook",))):
        item = replace(content(draft_id=draft_id, revision=1, channels=channels),
                       pictured=("A123456789012",) if draft_id == plain else ())
        for channel in channels:
            publishing.publish(db=db, content=item, adapter=_Posted(channel), user_id=1)
    with session_scope(db) as s:
        open_takedowns(session=s, changes=[
            LearnerChange("A123456789012", {"photo_channels": ("facebook;twitter", "twitter")})])
    today = utcnow().date()
    return db, Period(today - timedelta(days=90), today)


def test_the_report_counts_a_term_of_activity(term) -> None:
    db, period = term
    with Session(db) as s:
        r = build_report(session=s, period=period)
    assert r.posts_per_channel == {"facebook": 2, "twitter": 1, "classdojo": 0}
    assert r.drafts_checked == 4
    by_rule = {f.rule: f.drafts for f in r.findings}
    assert by_rule == {"test.review": 2, "test.block": 1}
    (o,) = r.overrides
    assert (o.by, o.role, o.reason) == ("Helen", "headteacher", REASON)
    assert len(r.approval_hours) == 2 and all(0 <= h < 1 for h in r.approval_hours)
    assert (r.returned, r.rejected) == (1, 0)
    (t,) = r.takedowns
    assert (t.channel, t.url, t.closed_at) == ("facebook", f"https://facebook.example/{t.draft_id}",
                                               None)


def test_a_period_without_activity_is_empty_not_an_error(term) -> None:
    db, _ = term
    with Session(db) as s:
        r = build_report(session=s, period=Period(date(2020, 1, 1), date(2020, 12, 31)))
    assert r.posts_per_channel == {"facebook": 0, "twitter": 0, "classdojo": 0}
    assert r.findings == [] and r.approval_summary()["median"] is None
    html = to_html(r, generated=utcnow())
    assert "No findings in this period." in html and "nothing in this period" in html


def test_the_csv_export_has_every_section_and_defuses_formulas(term) -> None:
    db, period = term
    with Session(db) as s:
        rows = list(csv.reader(io.StringIO(to_csv(build_report(session=s, period=period)))))
    assert rows[0] == ["section", "item", "detail", "value"]
    assert ["posts", "facebook", "", "2"] in rows
    assert ["findings", "tone", "test.review (review)", "2"] in rows
    (override,) = [r for r in rows if r[0] == "override"]
    assert override[3] == "'" + REASON  # a spreadsheet shows it, does not run it
    assert any(r[0] == "takedown" and "photo consent for facebook withdrawn" in r[2]
               for r in rows)


def test_the_html_export_is_self_contained_with_charts_and_escaped_text(term) -> None:
    db, period = term
    with Session(db) as s:
        html = to_html(build_report(session=s, period=period), generated=utcnow())
    assert html.count("<svg") == 3 and "<script" not in html and "http-equiv" not in html
    assert 'aria-label="Posts per channel"' in html
    assert "agreed with the chair of governors" in html
    assert "<link" not in html  # no external stylesheet: it opens offline and prints


def test_a_reversed_period_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="ends .* before it starts"):
        Period(date(2026, 9, 1), date(2026, 7, 1))


def test_the_web_page_shows_the_report_and_offers_both_exports(term, blank_nlp) -> None:
    from secondlook.accounts.models import Role
    from tests.web_support import add_user, make_app, signed_in

    db, period = term
    app = make_app(db, blank_nlp)
    head = add_user(db, "mrshead", Role.HEADTEACHER)
    client, _ = signed_in(app, db, head)
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    page = client.get("/reports/policy", params=query)
    assert page.status_code == 200
    assert "agreed with the chair of governors" in page.text and page.text.count("<svg") == 3
    assert f"/reports/policy.csv?start={period.start}" in page.text
    exported = client.get("/reports/policy.csv", params=query)
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert "posts,facebook,,2" in exported.text
    html = client.get("/reports/policy.html", params=query)
    assert html.text.startswith("<!doctype html>") and "<style>" in html.text
    bad = client.get("/reports/policy", params={"start": "2026-09-01", "end": "2026-01-01"})
    assert bad.status_code == 422 and "swap the dates" in bad.text
