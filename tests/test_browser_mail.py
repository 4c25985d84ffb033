"""In headless Chromium against a real server with a real SMTP server on loopback: each
step of the workflow done on the pages mails the people who must act next, and nobody
else; the menu counts what waits for the person signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser_support import Site, chromium, served_site, sign_in
from tests.mail_support import Mailbox, Received, smtp_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def box() -> Iterator[Mailbox]:
    with smtp_server() as mailbox:
        yield mailbox


@pytest.fixture(scope="module")
def site(tmp_path_factory, box) -> Iterator[Site]:  # noqa: ANN001
    with served_site(tmp_path_factory.mktemp("mail"), mail=box.settings()) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _new_mail(box: Mailbox, seen: int, count: int) -> list[Received]:
    got = box.wait_for(seen + count)[seen:]
    assert len(got) == count, [(m.recipients, m.subject) for m in got]
    return got


def _to(mails: list[Received]) -> list[str]:
    return sorted(r for m in mails for r in m.recipients)


def _write_and_submit(browser, site: Site, text: str) -> int:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    amy.goto(site.url + "/drafts/new")
    amy.get_by_label("Text of the post").fill(text)
    amy.get_by_role("button", name="Save draft").click()
    amy.wait_for_url(re.compile(r".*/drafts/\d+$"))
    draft_id = int(amy.url.rsplit("/", 1)[1])
    amy.get_by_role("button", name="Submit for approval").click()
    amy.get_by_text("Submitted: a colleague will find it").wait_for()
    amy.context.close()
    return draft_id


def test_each_step_mails_the_people_who_act_next(site, browser, box) -> None:  # noqa: ANN001
    seen = len(box.received)
    draft_id = _write_and_submit(browser, site, "The choir sang beautifully at the concert.")
    submitted = _new_mail(box, seen, 2)
    assert _to(submitted) == ["bob@school.example", "head@school.example"]  # not Amy
    for mail in submitted:
        assert mail.subject == "Waiting for your approval: “The choir sang beautifully at " \
                               "the concert.”"
        assert f"{site.url}/drafts/{draft_id}" in mail.text
        assert "Amy Author submitted" in mail.text
        assert mail.sender == "second-look@school.example"

    bob = sign_in(browser, site, "bob")
    my_work = bob.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(
        "^My work"))
    assert my_work.locator(".menu-count").inner_text() == "1"  # the count on the menu
    # The link in the mail opens the post (after signing in).
    bob.goto(re.search(r"Open it: (\S+)", submitted[0].text).group(1))
    bob.get_by_role("button", name="Approve this version").click()
    bob.get_by_text("Approved by Bob Approver").wait_for()
    assert bob.locator("nav .menu-count").count() == 0  # nothing waits for Bob any more
    bob.context.close()
    (approved,) = _new_mail(box, seen + 2, 1)
    assert approved.recipients == ["amy@school.example"]
    assert approved.subject.startswith("Approved: “The choir")


def test_a_returned_post_mails_its_author_without_the_reason(site, browser, box) -> None:  # noqa: ANN001
    draft_id = _write_and_submit(browser, site, "Year 5 visited the museum today.")
    seen = len(box.wait_for(len(box.received) + 2))
    head = sign_in(browser, site, "head")
    head.goto(f"{site.url}/drafts/{draft_id}")
    head.get_by_text("Return it to the author").click()
    head.get_by_label("What needs to change").fill("Amelia Thompson is in the second photo")
    head.get_by_role("button", name="Return").click()
    head.wait_for_load_state()
    head.context.close()
    (returned,) = _new_mail(box, seen, 1)
    assert returned.recipients == ["amy@school.example"]
    assert returned.subject == "Returned to you: “Year 5 visited the museum today.”"
    assert "Mrs Head returned your post" in returned.text
    assert "Amelia" not in returned.text and "photo" not in returned.text


def test_a_withdrawal_opens_a_takedown_that_is_mailed_shown_and_deleted_on_facebook(
        site, browser, box) -> None:  # noqa: ANN001
    from consent_store.db import session_scope
    from secondlook.release.credentials import set_credentials
    from tests.conftest import TEST_KEY
    from tests.fakes import facebook as fb
    from tests.fakes import x as xfake

    with session_scope(site.db) as s:
        set_credentials(session=s, channel="facebook", actor=None, key=TEST_KEY,
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN})
        set_credentials(session=s, channel="twitter", actor=None, key=TEST_KEY,
                        values={"username": xfake.USERNAME, "token": xfake.TOKEN})
    draft_id = _write_and_submit(browser, site, "Well done Jayden Okafor on the relay!")
    bob = sign_in(browser, site, "bob")
    bob.goto(f"{site.url}/drafts/{draft_id}")
    bob.get_by_role("button", name="Approve this version").click()
    bob.get_by_text("Approved by Bob Approver").wait_for()
    bob.context.close()
    amy = sign_in(browser, site, "amy")
    amy.goto(f"{site.url}/drafts/{draft_id}/release")
    amy.get_by_role("button", name="Release now").click()
    amy.get_by_text(re.compile(r"^Posted on Facebook, X \(Twitter\)")).wait_for()
    amy.context.close()
    assert any("Jayden" in p.message for p in site.facebook.posts)
    seen = len(box.wait_for(len(box.received) + 4))  # submitted x2, approved, released

    dpo = sign_in(browser, site, "dpo")
    dpo.goto(f"{site.url}/admin/register/B234567890123")
    dpo.get_by_label("first name only").check()
    dpo.get_by_label("Reason (kept with the withdrawal)").fill("parent emailed the office")
    dpo.once("dialog", lambda dialog: dialog.accept())
    dpo.get_by_role("button", name="Withdraw the ticked consents").click()
    banner = dpo.locator(".takedown-banner")
    banner.wait_for()
    assert "must be taken down" in banner.inner_text()
    mails = _new_mail(box, seen, 2)
    assert _to(mails) == ["dpo@school.example", "head@school.example"]
    assert all(m.subject.startswith("Takedown needed:") for m in mails)
    assert all("B234567890123" not in m.text and "Okafor" not in m.subject for m in mails)
    assert f"{site.url}/takedowns" in mails[0].text

    count = dpo.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Takedowns")).locator(".menu-count")
    before = int(count.inner_text())
    banner.get_by_role("link", name="Open the takedown list").click()
    dpo.once("dialog", lambda dialog: dialog.accept())
    dpo.get_by_role("button", name="Delete on Facebook").first.click()
    dpo.get_by_text(re.compile("^The post is gone from Facebook")).wait_for()
    assert not any("Jayden" in p.message for p in site.facebook.posts)
    assert any("Jayden" in p.message for p in site.facebook.deleted)
    assert int(count.inner_text()) == before - 1
    assert "deleted on Facebook through its API" in dpo.locator("#receipts + ul").inner_text()
    dpo.context.close()
