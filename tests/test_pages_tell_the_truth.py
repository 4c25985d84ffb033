"""What the pages say is true: the release page gives each channel its own outcome and
next step (never "Sent." when nothing was), no verdict claims to cover photos that were
not checked, and the policy report does not count a post two of whose three channels
failed as released."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import Session, col, update

from consent_store.db import session_scope
from consent_store.models import utcnow
from secondlook.accounts.models import Role
from secondlook.release.policy_report import Period, build_report
from secondlook.release.policy_report_export import to_csv, to_html
from secondlook.release.service import release_draft
from secondlook.workflow.models import Revision
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft
from tests.web_support import add_user, make_app, signed_in
from tests.workflow_helpers import photo

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def _app(db, settings, nlp):  # noqa: ANN001, ANN202
    return make_app(db, nlp, home=settings.home, data_key=settings.data_key,
                    facebook_graph_url=settings.facebook_graph_url,
                    x_api_url=settings.x_api_url, release_scheduler_seconds=0)


def test_when_both_channels_fail_the_page_says_so_for_each_and_what_to_do(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    fake_facebook.token, fake_x.token = "revoked", "revoked"
    client, csrf = signed_in(_app(sqlite_db, configured, blank_nlp), sqlite_db, staff["alice"])
    page = client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                       follow_redirects=True).text
    assert "Sent." not in page
    assert "Not posted anywhere yet. Facebook: not posted; X (Twitter): not posted." in page
    for channel in ("facebook", "twitter"):
        row = re.search(rf'<tr id="channel-{channel}">(.*?)</tr>', page, re.S).group(1)
        assert ">not posted<" in row and "Fix the problem shown, then press Release now" in row
        assert f"secondlook channel set {channel}" in row  # the channel's own problem
    assert fake_facebook.posts == [] and fake_x.posts == []


def test_one_channel_in_doubt_and_one_posted_are_told_apart(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(500, apply=True))
    client, csrf = signed_in(_app(sqlite_db, configured, blank_nlp), sqlite_db, staff["alice"])
    page = client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                       follow_redirects=True).text
    assert "Posted on Facebook. X (Twitter): may be online." in page
    x_row = re.search(r'<tr id="channel-twitter">(.*?)</tr>', page, re.S).group(1)
    assert "paste its link" in x_row and "It is not there" in page


def test_the_live_check_says_photos_are_not_checked_yet(sqlite_db, blank_nlp) -> None:
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR))
    live = client.post("/drafts/check", data={"text": "Sports day was great!",
                                              "channels": ["facebook"]},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"}).text
    assert "Photos are not checked yet" in live
    assert "nothing in this post conflicts" not in live  # it covers the text only
    saved = client.post("/drafts", data={"csrf_token": csrf, "text": "Sports day!",
                                         "channels": ["facebook"]},
                        files=[("photos", ("race.png", photo(), "image/png"))],
                        follow_redirects=False)
    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    edit = client.post(f"/drafts/{draft_id}/check", data={
        "text": "Sports day!", "channels": ["facebook"], "alt": ["Relay"]},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"}).text
    assert "1 of 1 photo(s) checked" in edit and "Photos you add are checked when you save" \
        in edit


def test_a_verdict_never_covers_a_photo_that_was_not_checked(sqlite_db, blank_nlp) -> None:
    app = make_app(sqlite_db, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR))
    saved = client.post("/drafts", data={"csrf_token": csrf, "text": "Sports day!",
                                         "channels": ["facebook"]},
                        files=[("photos", ("a.png", photo(), "image/png")),
                               ("photos", ("b.png", photo((200, 10, 10)), "image/png"))],
                        follow_redirects=False)
    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    client.post(f"/drafts/{draft_id}/edit", data={
        "csrf_token": csrf, "revision": "1", "text": "Sports day!", "channels": ["facebook"],
        "alt": ["The relay", "The crowd"]})
    page = client.get(f"/drafts/{draft_id}").text
    assert "2 of 2 photo(s) checked" in page and "Nothing stops this post" in page
    # A report that covers only the first photo (as while photos are still being checked).
    with session_scope(sqlite_db) as s:
        rev = s.get(Revision, 2)
        report = json.loads(rev.report_json)
        report["images"] = report["images"][:1]
        s.exec(update(Revision).where(col(Revision.id) == rev.id)
               .values(report_json=json.dumps(report)))
    page = client.get(f"/drafts/{draft_id}").text
    assert "Nothing stops this post" not in page and "No findings:" not in page
    assert "1 of 2 photo(s) checked" in page and "Photo 2 is not checked yet" in page


def test_a_post_with_two_of_three_channels_failed_is_not_counted_as_released(
        sqlite_db, staff, mengine, configured, client, fake_facebook, fake_x) -> None:
    full = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[], text="Choir")
    release_draft(db=sqlite_db, draft_id=full, user=staff["alice"], settings=configured,
                  checker=mengine, client=client)
    part = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter", "classdojo"],
                          photos=[], text="Harvest festival")
    fake_x.token = "revoked"
    with session_scope(sqlite_db) as s:  # Facebook goes out; X is refused; Class Dojo not set
        from secondlook.release.credentials import set_credentials
        set_credentials(session=s, channel="facebook", values={"page_id": "1122334455",
                        "token": "fb-page-token"}, actor=None, key=bytes(range(32)))
    release_draft(db=sqlite_db, draft_id=part, user=staff["alice"], settings=configured,
                  checker=mengine, client=client)
    today = utcnow().date()
    with Session(sqlite_db) as s:
        r = build_report(session=s, period=Period(today - timedelta(days=1), today))
    assert r.drafts_released == 1
    assert [(p.draft_id, p.posted, p.missing) for p in r.partly_released] == [
        (part, ("facebook",), ("classdojo", "twitter"))]
    assert r.posts_per_channel == {"facebook": 2, "twitter": 0, "classdojo": 0}
    html = to_html(r, generated=utcnow())
    assert re.search(r"Posts released \(every channel\)</th><td[^>]*>1<", html)
    assert re.search(r"Partly released[^<]*</th><td[^>]*>1<", html)
    assert ["drafts", "released", "", "1"] in [row.split(",") for row in
                                               to_csv(r).splitlines()]
