"""Issue 14.4 in headless Chromium: a decision for every face, numbered on the photo.

The author blurs one face (the other stays as it was) and undoes it (the photo from
before comes back), says a visitor is not a learner (the approver reads it, with the
matcher's distances), and the headteacher says which learner a face is, after which that
learner's consent applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import Site, chromium, served_site, sign_in
from tests.face_support import painted

pytestmark = pytest.mark.browser
AMELIA = "A123456789012"  # photo consent for Class Dojo only


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:  # noqa: ANN001
    with served_site(tmp_path_factory.mktemp("faces")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def two_faces(tmp_path: Path) -> Path:
    path = tmp_path / "race.png"
    path.write_bytes(painted((320, 240), [(7, 60, 30, 70), (5, 60, 200, 70)]))
    return path


def _write_post(page, site: Site, photo: Path) -> int:  # noqa: ANN001
    page.goto(site.url + "/drafts/new")
    page.get_by_label("Text of the post").fill("What a race on sports day!")
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/drafts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _tags(page) -> list[str]:  # noqa: ANN001
    return [t.strip() for t in page.locator(".photo figcaption .facetag").all_inner_texts()]


def _photo_src(page) -> str:  # noqa: ANN001
    return str(page.locator(".report .photo img").get_attribute("src"))


def _confirming(page, button) -> None:  # noqa: ANN001
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()


def test_blur_one_face_then_undo_brings_the_photo_back(site, browser, two_faces) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    _write_post(amy, site, two_faces)
    assert amy.locator("svg g.facenum text").all_text_contents() == ["1", "2"]
    assert _tags(amy)[0].startswith("Face 1: not identified")
    original = _photo_src(amy)
    _confirming(amy, amy.get_by_role("button", name="Blur face 1"))
    tags = _tags(amy)
    assert tags[0].startswith("Face 1: blurred") and tags[1].startswith("Face 2: not identified")
    assert _photo_src(amy) != original  # a new, blurred copy of the photo
    assert "blurred face 1 in photo 1" in amy.locator("[aria-labelledby=changed]").inner_text()
    assert amy.get_by_role("button", name="Blur face 1").count() == 0
    _confirming(amy, amy.get_by_role("button", name="Undo the blur of face 1"))
    assert _tags(amy)[0].startswith("Face 1: not identified")
    assert _photo_src(amy) == original  # the photo from before the blur
    assert amy.get_by_role("button", name="Blur face 1").count() == 1


def test_not_a_learner_is_shown_to_the_approver_with_the_distances(
        site, browser, two_faces) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    draft_id = _write_post(amy, site, two_faces)
    with amy.expect_navigation():
        amy.get_by_role("button", name="Face 2 is not a learner (an adult or a visitor)").click()
    assert _tags(amy)[1].startswith("Face 2: not a learner, says Amy Author")
    assert amy.locator(".distance").count() == 0  # distances are for those who review
    bob = sign_in(browser, site, "bob")
    bob.goto(f"{site.url}/drafts/{draft_id}")
    note = bob.locator("ol.findings li", has_text="Amy Author says this is not a learner")
    assert "For information" in note.inner_text()
    assert "Whoever approves the post should check that" in note.inner_text()
    assert "nobody enrolled to compare" in bob.locator(".photo figcaption").inner_text()
    # Only an admin, headteacher or DSL may say who a face is
    assert bob.get_by_label("Who is face 1?").count() == 0


def test_the_headteacher_says_who_a_face_is_and_her_consent_applies(
        site, browser, two_faces) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    draft_id = _write_post(amy, site, two_faces)
    assert amy.get_by_label("Who is face 1?").count() == 0
    head = sign_in(browser, site, "head")
    head.goto(f"{site.url}/drafts/{draft_id}")
    head.get_by_label("Who is face 1?").select_option(AMELIA)
    with head.expect_navigation():
        head.locator("ol.findings li", has=head.get_by_label("Who is face 1?")).get_by_role(
            "button", name="This is the learner chosen").click()
    assert _tags(head)[0].startswith("Face 1: identified by Mrs Head, no photo consent")
    finding = head.locator("ol.findings li", has_text="as Mrs Head identified")
    assert "Cannot be posted" in finding.inner_text()
    assert "Facebook" in finding.inner_text()  # Amelia's consent covers Class Dojo only
    # The author sees it, and the history says who decided
    amy.goto(f"{site.url}/drafts/{draft_id}")
    assert _tags(amy)[0].startswith("Face 1: identified by Mrs Head")
    amy.goto(f"{site.url}/drafts/{draft_id}/audit")
    assert "Said which learner a face is" in amy.locator("main").inner_text()
