"""End to end in headless Chromium against a real server: the journeys of DESIGN.md, at a
desktop size and on a 390-px phone.

The whole journey, from the first-admin link to a released post: the admin creates the
accounts, imports the register, adds a staff name and connects the channels; the author
writes a post with the check and the previews following her typing, fixes a name, adds
a photo and submits; a colleague comments and approves; the headteacher (who also
approves) sees it once, signs it off; the author releases it to Facebook, X and Class
Dojo; the calendar and the history show it. No page ever scrolls sideways on the phone,
and the decision buttons are big enough for a thumb.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (
    DESKTOP,
    PHONE,
    Site,
    chromium,
    page_width,
    served_site,
    sign_in,
    wider_than_screen,
)
from tests.conftest import EXAMPLES
from tests.face_support import painted
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.web_support import PASSWORD

pytestmark = pytest.mark.browser
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


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


def fits(page, viewport: dict) -> None:  # noqa: ANN001
    """The page is no wider than the screen: nothing scrolls sideways."""
    width = page_width(page)
    assert width <= viewport["width"], (
        f"{page.url} is {width} px wide on a {viewport['width']}-px screen: "
        f"{wider_than_screen(page)}")


def thumb_sized(button, viewport: dict) -> None:  # noqa: ANN001
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44, f"{box} is too small to tap"
    if viewport == PHONE:
        assert box["width"] >= 0.8 * (viewport["width"] - 40), f"{box} is not full width"


def go(page, site: Site, path: str, viewport: dict) -> None:  # noqa: ANN001
    page.goto(site.url + path)
    fits(page, viewport)


def menu(page, viewport: dict, name: str) -> None:  # noqa: ANN001
    """Follow a main-menu link, opening the folded menu first on a phone."""
    if viewport == PHONE:
        assert not page.get_by_role("navigation", name="Main").is_visible()  # folded away
        page.locator("label.menu-button").click()
    with page.expect_navigation():  # measure the new page, not the one being left
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    fits(page, viewport)


def new_context(browser, viewport: dict):  # noqa: ANN001, ANN201
    phone = viewport == PHONE
    return browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)


def _set_up_the_school(browser, site: Site, viewport: dict) -> None:  # noqa: ANN001
    admin = new_context(browser, viewport).new_page()
    admin.goto(site.setup_link)
    fits(admin, viewport)
    admin.get_by_label("Username").fill("dpo")
    admin.get_by_label("Your name as colleagues see it").fill("Dee Admin")
    admin.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    admin.get_by_label("Password again").fill(PASSWORD)
    admin.get_by_role("button", name="Create admin account").click()
    admin.get_by_role("heading", name="Staff accounts").wait_for()  # where accounts are made
    fits(admin, viewport)
    for username, name, roles in (("amy", "Amy Author", ["Author"]),
                                  ("bob", "Bob Approver", ["Approver"]),
                                  ("head", "Mrs Head", ["Headteacher", "Approver"])):
        menu(admin, viewport, "Staff")
        form = admin.locator("form[action='/admin/users']")
        form.get_by_label("Username").fill(username)
        form.get_by_label("Name as colleagues see it").fill(name)
        form.get_by_label("First password").fill(PASSWORD)
        for role in roles:
            form.get_by_label(re.compile(f"{role}\\s*—")).check()
        form.get_by_role("button", name="Add account").click()
        admin.get_by_text(f"Account created for {name}").wait_for()
        fits(admin, viewport)
    menu(admin, viewport, "Register")
    admin.get_by_label("CSV file").set_input_files(str(EXAMPLES / "register.csv"))
    admin.get_by_role("button", name="Import").click()
    admin.get_by_text("Nothing has been changed yet").wait_for()
    fits(admin, viewport)
    admin.get_by_role("button", name="Confirm the import").click()
    admin.get_by_text("Register imported.").wait_for()
    fits(admin, viewport)
    go(admin, site, "/admin/register/A123456789012", viewport)
    go(admin, site, "/admin/staff-names", viewport)
    admin.get_by_label("Title").fill("Mr")
    admin.get_by_label("Surname").fill("Patel")
    admin.get_by_role("button", name="Add", exact=True).click()
    admin.get_by_text("Mr Patel added").wait_for()
    fits(admin, viewport)
    menu(admin, viewport, "Channels")
    facebook = admin.locator("section", has=admin.get_by_role("heading", name="Facebook"))
    facebook.get_by_label("Page id").fill("not-a-number")
    facebook.get_by_label("Page access token").fill(fb.TOKEN)
    facebook.get_by_role("button", name="Test and save").evaluate("b => b.form.noValidate = true")
    facebook.get_by_role("button", name="Test and save").click()
    admin.get_by_text("is not a Facebook page id").wait_for()  # explained, nothing saved
    facebook = admin.locator("section", has=admin.get_by_role("heading", name="Facebook"))
    facebook.get_by_label("Page id").fill(fb.PAGE_ID)
    facebook.get_by_label("Page access token").fill(fb.TOKEN)
    facebook.get_by_role("button", name="Test and save").click()
    admin.get_by_text(f"Connected to {fb.PAGE_NAME}").wait_for()
    x = admin.locator("section", has=admin.get_by_role("heading", name="X (Twitter)"))
    x.get_by_label("Account name").fill("oakfieldpri")
    x.get_by_label("Access token").fill(xfake.TOKEN)
    x.get_by_role("button", name="Test and save").click()
    admin.get_by_text("X (Twitter) is connected").wait_for()
    fits(admin, viewport)
    admin.context.close()


TEXT = ("Well done Amelia Thompson and Jayden Okafor on sports day! Thank you to Mr Patel "
        "for the track and to Mr Okoro, our visiting athlete, for the medals.")


def _write_and_submit(browser, site: Site, viewport: dict, photo: Path) -> int:  # noqa: ANN001
    amy = sign_in(browser, site, "amy", viewport)
    fits(amy, viewport)
    menu(amy, viewport, "New post")
    amy.get_by_label("Text of the post").press_sequentially(TEXT[:60], delay=5)
    amy.locator("#x-count").filter(has_text="60 of 280").wait_for()  # live, as she types
    amy.get_by_label("Text of the post").fill(TEXT)
    amy.get_by_label("Text of the post").press("End")
    amy.get_by_label("Text of the post").type(" ")
    mark = amy.locator("#report mark.finding.block")
    mark.wait_for(timeout=15_000)
    assert mark.inner_text().startswith("Amelia Thompson")
    report = amy.locator("#report").inner_text()
    assert "Use the first name only" in report and "Mr Okoro" in report
    assert "Mr Patel" not in amy.locator("#report mark").all_inner_texts()  # a staff name
    for label in ("on Facebook", "on X (Twitter)", "in the Class Dojo school story"):
        assert amy.locator(f"[aria-label='As it will appear {label}']").count() == 1
    assert fb.PAGE_NAME in amy.locator(".pv-facebook").inner_text()
    if viewport == PHONE:  # the findings come straight after the text, before the form
        text_box = amy.get_by_label("Text of the post").bounding_box()
        findings = amy.locator("#report").bounding_box()
        save = amy.get_by_role("button", name="Save draft").bounding_box()
        assert text_box["y"] < findings["y"] < save["y"]
    fits(amy, viewport)
    amy.get_by_label("Text of the post").fill(TEXT.replace("Amelia Thompson", "Amelia"))
    amy.get_by_label("Photos").set_input_files(str(photo))
    amy.get_by_role("button", name="Save draft").click()
    amy.wait_for_url(re.compile(r".*/drafts/\d+$"))
    draft_id = int(amy.url.rsplit("/", 1)[1])
    fits(amy, viewport)
    amy.get_by_label("Description for people who cannot see it").fill(
        "Children in the relay race")
    with amy.expect_navigation():
        amy.get_by_role("button", name="Save changes").click()
    assert "Flagged: the headteacher must sign it off" in amy.locator(".verdict-line").inner_text()
    submit = amy.get_by_role("button", name="Submit for approval")
    thumb_sized(submit, viewport)
    submit.click()
    amy.get_by_text("Submitted: a colleague will find it").wait_for()
    assert "Waiting for a colleague's approval and the headteacher's sign-off" in \
        amy.locator("#status").inner_text()
    assert amy.get_by_role("button", name=re.compile("Approve")).count() == 0
    fits(amy, viewport)
    amy.context.close()
    return draft_id


def _approve_and_sign_off(browser, site: Site, viewport: dict, draft_id: int) -> None:  # noqa: ANN001
    bob = sign_in(browser, site, "bob", viewport)
    with bob.expect_navigation():  # measure the draft page, not the start page being left
        bob.get_by_role("link", name=re.compile("^Approve: Well done Amelia")).click()
    fits(bob, viewport)
    assert bob.locator(".pv-x .pv-photo img").count() == 1  # the photo as it will go out
    assert "ALT" in bob.locator(".pv-x").inner_text()
    bob.get_by_label("Your comment").fill("Is Mr Okoro happy to be named?")
    bob.get_by_label("About").select_option("text")
    bob.get_by_label("The words you mean").fill("Mr Okoro")
    bob.get_by_role("button", name="Add comment").click()
    bob.get_by_text("Comment added to the conversation.").wait_for()
    approve = bob.get_by_role("button", name="Approve this version")
    thumb_sized(approve, viewport)
    approve.click()
    bob.get_by_text("Approved by Bob Approver").wait_for()
    assert "Approved; waiting for the headteacher's sign-off" in bob.locator("#status").inner_text()
    fits(bob, viewport)
    bob.context.close()

    head = sign_in(browser, site, "head", viewport)
    todo = head.locator("section", has=head.get_by_role("heading", name=re.compile("Waiting for")))
    assert todo.locator(f"a[href='/drafts/{draft_id}']").count() == 2  # once: title and step
    with head.expect_navigation():
        todo.get_by_role("link", name=re.compile("^Sign off: Well done Amelia")).click()
    fits(head, viewport)
    assert "Is Mr Okoro happy to be named?" in head.locator("#conversation").inner_text()
    assert head.locator("button.good").count() == 1  # one green button, not two
    head.get_by_label("Why this may be published").fill(
        "Mr Okoro agreed to be thanked by name; he is a public athlete.")
    sign = head.get_by_role("button", name="Sign off")
    thumb_sized(sign, viewport)
    sign.click()
    head.get_by_text("Signed off by Mrs Head (headteacher)").wait_for()
    assert head.locator("#status").inner_text() == "Approved and signed off: ready to release"
    assert "Flagged, and signed off by Mrs Head" in head.locator(".verdict-line").inner_text()
    fits(head, viewport)
    head.context.close()


def _release(browser, site: Site, viewport: dict, draft_id: int) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy", viewport)
    with amy.expect_navigation():
        amy.get_by_role("link", name=re.compile("^Release: Well done Amelia")).click()
    fits(amy, viewport)
    amy.get_by_role("button", name="Release now").click()
    amy.get_by_text(re.compile(r"^Posted on Facebook, X \(Twitter\)\. Class Dojo: ")).wait_for()
    fits(amy, viewport)
    amy.get_by_label("Link of the post").fill("https://www.classdojo.com/story/12345")
    amy.get_by_role("button", name="Save link").click()
    amy.get_by_text("Link recorded.").wait_for()
    assert amy.locator(".status").inner_text() == "Released"
    assert any("Well done Amelia and Jayden" in p.message for p in site.facebook.posts)
    assert any(p.text.startswith("Well done Amelia and Jayden") for p in site.x.posts)
    menu(amy, viewport, "Calendar")
    assert amy.locator(f"table.month a.entry.released[href='/drafts/{draft_id}']").count() == 1
    go(amy, site, f"/drafts/{draft_id}/audit", viewport)
    history = amy.locator("ol.history").inner_text()
    for step in ("Amy Author", "Wrote the post", "Bob Approver", "Commented", "Approved it",
                 "Mrs Head", "Signed it off", "Released it"):
        assert step in history
    assert "UTC" not in history and "{'" not in history
    amy.context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_the_whole_journey_from_setup_to_a_released_post(browser, photos, tmp_path,  # noqa: ANN001
                                                         viewport) -> None:
    with served_site(tmp_path, seeded=False) as site:
        _set_up_the_school(browser, site, viewport)
        draft_id = _write_and_submit(browser, site, viewport, photos["plain"])
        _approve_and_sign_off(browser, site, viewport, draft_id)
        _release(browser, site, viewport, draft_id)


def _write_post(page, site: Site, text: str, photo: Path) -> int:  # noqa: ANN001
    page.goto(site.url + "/drafts/new")
    page.get_by_label("Text of the post").fill(text)
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/drafts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_a_face_without_consent_is_boxed_and_blurred_after_confirming(
        site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    _write_post(amy, site, "Our councillor lied to parents about the school fair.",
                photos["face"])
    assert amy.locator("mark.finding.review").count() >= 1
    assert amy.locator("svg rect.face").count() == 1  # a box on the unidentified face
    assert "Face 1: not identified" in amy.locator(".photo figcaption").inner_text()
    assert amy.locator("svg g.facenum text").all_text_contents() == ["1"]  # numbered on the photo
    blur = amy.get_by_role("button", name="Blur face 1")
    amy.once("dialog", lambda dialog: dialog.dismiss())  # "no": nothing happens
    blur.click()
    assert amy.locator("#changed").count() == 0 and amy.locator("svg rect.face").count() == 1
    amy.once("dialog", lambda dialog: dialog.accept())
    with amy.expect_navigation():
        blur.click()
    assert "blurred face 1 in photo 1" in amy.locator("[aria-labelledby=changed]").inner_text()
    assert "Face 1: blurred" in amy.locator(".photo figcaption").inner_text()


def test_the_author_cannot_approve_their_own_even_by_posting_the_form(
        site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy")
    draft_id = _write_post(amy, site, "Harvest festival assembly today.", photos["plain"])
    amy.get_by_label("Description for people who cannot see it").fill(
        "The school hall decorated for harvest")
    with amy.expect_navigation():
        amy.get_by_role("button", name="Save changes").click()
    amy.get_by_role("button", name="Submit for approval").click()
    amy.get_by_text("Submitted").first.wait_for()
    assert "you cannot approve your own post" in amy.content()
    token = re.search(r'name="csrf_token" value="([^"]+)"', amy.content()).group(1)
    resp = amy.request.post(f"{site.url}/drafts/{draft_id}/approve",
                            form={"csrf_token": token, "content_sha256": "0" * 64})
    assert resp.status == 403


def test_a_draft_is_deleted_only_after_confirming(site, browser, photos) -> None:  # noqa: ANN001
    amy = sign_in(browser, site, "amy", PHONE)
    draft_id = _write_post(amy, site, "A draft I no longer want.", photos["plain"])
    with amy.expect_navigation():
        amy.get_by_role("link", name="Delete this draft…").click()
    fits(amy, PHONE)
    amy.get_by_role("link", name="Keep it").click()
    amy.wait_for_url(re.compile(rf".*/drafts/{draft_id}$"))
    amy.get_by_role("link", name="Delete this draft…").click()
    amy.get_by_role("button", name="Delete it").click()
    amy.get_by_text(f"Post {draft_id} was deleted.").wait_for()
    assert amy.goto(f"{site.url}/drafts/{draft_id}").status == 404


# Every page a person can open, with what it needs filled in. A new page route fails
# ``test_no_page_scrolls_sideways_on_a_phone`` until it is listed here (or below as not a page).
PAGES = {
    "/login": "/login", "/setup/{token}": None, "/": "/", "/account": "/account",
    "/admin/users": "/admin/users", "/admin/staff-names": "/admin/staff-names",
    "/admin/audit": "/admin/audit", "/admin/audit/verify": "/admin/audit/verify",
    "/admin/register": "/admin/register", "/admin/register/{upn}": "/admin/register/{upn}",
    "/admin/channels": "/admin/channels", "/drafts/new": "/drafts/new",
    "/drafts/{draft_id}": "/drafts/{draft_id}", "/drafts/{draft_id}/audit":
    "/drafts/{draft_id}/audit", "/drafts/{draft_id}/delete": "/drafts/{draft_id}/delete",
    "/drafts/{draft_id}/release": "/drafts/{draft_id}/release", "/calendar": "/calendar",
    "/queues/approval-expired": "/queues/approval-expired", "/takedowns": "/takedowns",
    "/reports/policy": "/reports/policy", "/admin/schools": "/admin/schools",
}
# Not pages: files, the JSON API, and the machines' routes (health, readiness, metrics).
NOT_PAGES = ("/static", "/api/", "/images/", ".zip", ".csv", ".html", "/healthz", "/readyz",
             "/metrics")
LONG = ("Sports day results: https://oakfield.sch.uk/news/2026/sports-day-results-and-photos"
        "-from-every-class-in-key-stage-two " + "Congratulations everyone " * 12)


def _page_routes(app) -> set[str]:  # noqa: ANN001
    from fastapi.routing import iter_route_contexts

    return {r.path for r in iter_route_contexts(app.routes)
            if "GET" in (getattr(r.original_route, "methods", None) or {"GET"})
            and not any(part in r.path for part in NOT_PAGES)}


def _make_trust_admin(db, user) -> None:  # noqa: ANN001
    from sqlmodel import Session

    from secondlook.accounts.models import User

    with Session(db) as s:
        row = s.get(User, user.id)
        row.roles += ";trust_admin"
        s.add(row)
        s.commit()


@pytest.mark.parametrize("viewport", [pytest.param(PHONE, id="phone")])
def test_no_page_scrolls_sideways_on_a_phone(site, browser, photos, viewport) -> None:  # noqa: ANN001
    missing = _page_routes(site.app) - PAGES.keys()
    assert not missing, f"add these pages to PAGES in {__file__}: {sorted(missing)}"
    from secondlook.accounts.models import Role
    from tests.web_support import add_user

    everyone = add_user(site.db, "everyone", *Role,
                        name="Ms Alexandra Featherstonehaugh-Whittingham")
    _make_trust_admin(site.db, everyone)  # who sees the schools page too
    page = sign_in(browser, site, "everyone", viewport)
    draft_id = _write_post(page, site, LONG, photos["face"])
    widths = {}
    for route, path in PAGES.items():
        if path is None:
            continue  # only before the first account exists: the journey test opens it
        url = path.format(draft_id=draft_id, upn="A123456789012")
        for suffix in ("", "?edit=1") if route == "/drafts/{draft_id}" else ("",):
            page.goto(site.url + url + suffix)
            widths[url + suffix] = page_width(page)
            assert widths[url + suffix] <= viewport["width"], (url, wider_than_screen(page))
    page.goto(site.url + "/admin/register/D456789012345")  # Noah: no photo consent at all
    greyed = page.locator("label.check", has=page.locator("input:disabled")).first
    after = greyed.evaluate("l => getComputedStyle(l, '::after').content")
    colour = greyed.evaluate("l => getComputedStyle(l).color")
    assert after == '"(not given)"' and colour == "rgb(82, 90, 102)"  # readable, and says why
    page.goto(site.url + "/drafts/999999")  # the error page too
    assert page_width(page) <= viewport["width"]
    anonymous = new_context(browser, viewport).new_page()
    anonymous.goto(site.url + "/login")
    fits(anonymous, viewport)
    assert len(widths) == len([p for p in PAGES.values() if p]) + 1
