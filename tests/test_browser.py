"""End to end in headless Chromium against a real server: the journeys of DESIGN.md.

Author drafts a post with a photo and a flagged name, sees the highlight, fixes it,
submits; a colleague approves; a flagged draft goes to the headteacher who signs off;
the author cannot approve their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import Site, chromium, served_site, sign_in
from tests.face_support import painted

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:  # noqa: ANN001
    with served_site(tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("photos")
    files = {"plain": painted((320, 240), []), "face": painted((320, 240), [(7, 60, 100, 80)])}
    for name, data in files.items():
        (folder / f"{name}.png").write_bytes(data)
    return {name: folder / f"{name}.png" for name in files}


def _write_post(page, site: Site, text: str, photo: Path) -> int:  # noqa: ANN001
    page.goto(site.url + "/drafts/new")
    page.get_by_label("Text of the post").fill(text)
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save draft and check photos").click()
    page.wait_for_url(re.compile(r".*/drafts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_author_fixes_a_flagged_name_submits_and_a_colleague_approves(
        site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    amy.goto(site.url + "/drafts/new")
    amy.get_by_label("Text of the post").type("Well done Amelia Thompson on the relay!")
    mark = amy.locator("#report mark.finding.block")  # the check as the author types
    mark.wait_for(timeout=15_000)
    assert mark.inner_text().startswith("Amelia Thompson")
    assert "Use the first name only" in amy.locator("#report").inner_text()

    draft_id = _write_post(amy, site, "Well done Amelia Thompson on the relay!", photos["plain"])
    assert amy.locator("mark.finding.block").first.inner_text().startswith("Amelia Thompson")
    assert amy.get_by_role("button", name="Submit for approval").count() == 0
    amy.get_by_label("Text of the post").fill("Well done Amelia on the relay!")
    amy.get_by_label("Alt text").fill("Year 5 children running the relay race")
    with amy.expect_navigation():
        amy.get_by_role("button", name="Save changes").click()
    assert amy.locator("mark.finding.block").count() == 0
    assert amy.locator("mark.finding").inner_text().startswith("Amelia")  # consented: info
    assert "ready for approval" in amy.locator(".verdict-line").inner_text().lower()
    amy.get_by_role("button", name="Submit for approval").click()
    amy.get_by_text("Submitted: a colleague will see it").wait_for()
    assert amy.get_by_role("button", name=re.compile("Approve")).count() == 0
    assert "you cannot approve your own post" in amy.content()

    bob = sign_in(browser, site, "bob")
    bob.get_by_role("link", name="Well done Amelia on the relay!").click()
    assert "Exactly what will be posted" in bob.content()
    assert "Well done Amelia on the relay!" in bob.locator(".preview").inner_text()
    assert bob.locator(".photo img").count() == 1
    bob.get_by_role("button", name="Approve this version").click()
    bob.get_by_text("Approved by Bob Approver").wait_for()
    assert bob.locator(".state").inner_text().lower() == "approved"
    bob.goto(site.url + f"/drafts/{draft_id}/audit")
    history = bob.locator("table").inner_text()
    assert "created" in history and "submitted" in history and "approved" in history


def test_flagged_draft_goes_to_the_headteacher_who_signs_off(site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    _write_post(amy, site, "Our councillor lied to parents about the school fair.",
                photos["face"])
    assert amy.locator("mark.finding.review").count() >= 1
    assert amy.locator("svg rect.face").count() == 1  # a box on the unidentified face
    amy.get_by_label("Alt text").fill("Parents at the school fair")
    with amy.expect_navigation():
        amy.get_by_role("button", name="Save changes").click()
    amy.get_by_role("button", name="Submit for approval").click()
    amy.get_by_text("Submitted").first.wait_for()

    head = sign_in(browser, site, "head")
    flagged = head.locator("section", has=head.get_by_role("heading", name=re.compile(
        "Flagged for review")))
    flagged.get_by_role("link", name=re.compile("Our councillor lied")).click()
    assert "lied to parents" in head.locator("mark.finding.review").first.inner_text()
    head.get_by_label("Why this may be published").fill(
        "The statement is on public record; wording agreed with the chair of governors.")
    head.get_by_role("button", name="Sign off").click()
    head.get_by_text("Signed off by Mrs Head (headteacher)").wait_for()
    assert head.get_by_role("button", name="Sign off").count() == 0


def test_the_author_cannot_approve_their_own_even_by_posting_the_form(
        site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    draft_id = _write_post(amy, site, "Harvest festival assembly today.", photos["plain"])
    amy.get_by_label("Alt text").fill("The school hall decorated for harvest")
    with amy.expect_navigation():
        amy.get_by_role("button", name="Save changes").click()
    amy.get_by_role("button", name="Submit for approval").click()
    amy.get_by_text("Submitted").first.wait_for()
    token = re.search(r'name="csrf_token" value="([^"]+)"', amy.content()).group(1)
    resp = amy.request.post(f"{site.url}/drafts/{draft_id}/approve",
                            form={"csrf_token": token, "content_sha256": "0" * 64})
    assert resp.status == 403
