"""The README's screenshots, made by walking the journey in headless Chromium.

Run on demand, not in ``make test``: ``make screenshots`` (or
``.venv/bin/python -m tests.screenshots examples/screenshots``). The site is the browser
tests' one (temporary database, example register, fake Facebook and X, painted photos of
no one); each PNG is reduced to a palette and stays well under 200 KB.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
from pathlib import Path

from PIL import Image

from tests.browser_support import PHONE, chromium, served_site, sign_in
from tests.face_support import painted
from tests.fakes import facebook as fb
from tests.fakes import x as xfake

TEXT = ("Sports day! Well done Amelia Thompson and Jayden Okafor in the relay, and thank you "
        "to Mr Okoro for the medals!")
LIMIT = 200_000


def save(page, folder: Path, name: str, full: bool = False) -> None:  # noqa: ANN001
    """A screenshot as a small palette PNG (photos of painted squares need few colours)."""
    raw = page.screenshot(full_page=full)
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if full and image.height > 2400:
        image = image.crop((0, 0, image.width, 2400))
    for colours in (128, 64, 32):
        out = io.BytesIO()
        image.quantize(colors=colours, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
        if out.tell() < LIMIT:
            break
    (folder / f"{name}.png").write_bytes(out.getvalue())
    print(f"{name}.png: {image.width}x{image.height}, {out.tell() // 1024} KB")


def _connect_channels(page, url: str) -> None:  # noqa: ANN001
    page.goto(url + "/admin/channels")
    for heading, account, token in (("Facebook", fb.PAGE_ID, fb.TOKEN),
                                    ("X (Twitter)", "oakfieldpri", xfake.TOKEN)):
        card = page.locator("section", has=page.get_by_role("heading", name=heading))
        card.locator("input[name=account]").fill(account)
        card.locator("input[name=token]").fill(token)
        card.get_by_role("button", name="Test and save").click()
        page.get_by_text("is connected").wait_for()


def walk(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, served_site(Path(tmp)) as site, \
            chromium() as browser:
        photo = Path(tmp) / "relay.png"
        photo.write_bytes(painted((640, 420), [(7, 90, 140, 110), (9, 120, 380, 100)]))
        admin = sign_in(browser, site, "dpo")
        _connect_channels(admin, site.url)
        save(admin, folder, "channels")

        amy = sign_in(browser, site, "amy")
        amy.goto(site.url + "/drafts/new")
        amy.get_by_label("Text of the post").fill(TEXT)
        amy.get_by_label("Text of the post").type(" ")
        amy.locator("#report mark.finding.block").wait_for(timeout=15_000)
        amy.wait_for_timeout(500)
        save(amy, folder, "new-post")
        amy.get_by_label("Text of the post").fill(TEXT.replace("Amelia Thompson", "Amelia"))
        amy.get_by_label("Photos").set_input_files(str(photo))
        amy.get_by_role("button", name="Save draft").click()
        amy.wait_for_url(re.compile(r".*/drafts/\d+$"))
        draft_id = int(amy.url.rsplit("/", 1)[1])
        amy.get_by_label("Description for people who cannot see it").fill(
            "Two runners crossing the finish line")
        with amy.expect_navigation():
            amy.get_by_role("button", name="Save changes").click()
        amy.get_by_role("button", name="Submit for approval").click()
        amy.get_by_text("Submitted").first.wait_for()

        bob = sign_in(browser, site, "bob")
        save(bob, folder, "start-page")
        bob.goto(f"{site.url}/drafts/{draft_id}")
        bob.get_by_label("Your comment").fill("Is Mr Okoro happy to be named?")
        bob.get_by_role("button", name="Add comment").click()
        bob.get_by_text("Comment added").wait_for()
        bob.goto(f"{site.url}/drafts/{draft_id}")
        save(bob, folder, "approve", full=True)
        bob.get_by_role("button", name="Approve this version").click()
        bob.get_by_text("Approved by").wait_for()

        head = sign_in(browser, site, "head", PHONE)
        head.goto(f"{site.url}/drafts/{draft_id}")
        head.get_by_label("Why this may be published").fill(
            "Mr Okoro agreed to be thanked by name.")
        head.locator("#decide").scroll_into_view_if_needed()
        save(head, folder, "sign-off-phone")
        head.get_by_role("button", name="Sign off").click()
        head.get_by_text("Signed off by Mrs Head (").wait_for()

        amy.goto(f"{site.url}/drafts/{draft_id}/release")
        amy.get_by_role("button", name="Release now").click()
        amy.get_by_text(re.compile(r"^Posted on ")).wait_for()
        save(amy, folder, "release")
        amy.get_by_label("Link of the post").fill("https://www.classdojo.com/story/12345")
        amy.get_by_role("button", name="Save link").click()
        amy.get_by_text("Link recorded.").wait_for()
        amy.goto(f"{site.url}/calendar")
        save(amy, folder, "calendar")
        amy.goto(f"{site.url}/drafts/{draft_id}/audit")
        save(amy, folder, "history", full=True)
        phone = sign_in(browser, site, "amy", PHONE)
        phone.goto(f"{site.url}/drafts/new")
        phone.get_by_label("Text of the post").fill(TEXT)
        phone.get_by_label("Text of the post").type(" ")
        phone.locator("#report mark.finding.block").wait_for(timeout=15_000)
        save(phone, folder, "new-post-phone")


if __name__ == "__main__":
    walk(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/screenshots"))
