"""A real server and headless Chromium for the browser tests (and page screenshots).

The server is uvicorn on a free loopback port, in a thread of the test process, with a
temporary SQLite database, the blank spaCy engine, the fake face backend and the fake
Facebook and X servers; seeded, it also has the example register and four staff accounts,
else it starts empty with its first-admin link, as ``make run`` does. Chromium is Debian's
(/usr/bin/chromium): nothing is downloaded.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from sqlalchemy.engine import Engine as DbEngine

from consent_store.db import make_engine, session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES, TEST_KEY, migrated_url
from tests.face_support import FakeBackend
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.fakes.server import ServedApp
from tests.web_support import PASSWORD, add_user, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an iPhone 12-14: the narrowest screen we promise
STAFF = {  # username: (display name, roles)
    "amy": ("Amy Author", (Role.AUTHOR,)),
    "bob": ("Bob Approver", (Role.APPROVER,)),
    "head": ("Mrs Head", (Role.HEADTEACHER, Role.APPROVER)),
    "dpo": ("Dee Admin", (Role.ADMIN,)),
}


@dataclass
class Site:
    url: str
    db: DbEngine
    setup_link: str = ""  # the first-admin link, on an empty site
    facebook: fb.FakeFacebook = field(default_factory=fb.FakeFacebook)
    x: xfake.FakeX = field(default_factory=xfake.FakeX)
    app: object = None  # the FastAPI app being served


@contextmanager
def served_site(tmp: Path, *, seeded: bool = True, mail: dict | None = None) -> Iterator[Site]:
    """``mail``: SMTP settings (``tests.mail_support.Mailbox.settings``); the staff then have
    addresses (username@school.example) and the server's mail sender runs every 0.3 s."""
    db = make_engine(migrated_url("sqlite", tmp))
    if seeded:
        with session_scope(db) as s:
            import_register_file(s, EXAMPLES / "register.csv")
        for username, (name, roles) in STAFF.items():
            add_user(db, username, *roles, name=name,
                     email=f"{username}@school.example" if mail else None)
    with ExitStack() as stack:
        facebook, x = fb.FakeFacebook(), xfake.FakeX()
        fb_url = stack.enter_context(ServedApp(fb.build_app(facebook))).url
        x_url = stack.enter_context(ServedApp(xfake.build_app(x))).url
        app = make_app(db, spacy.blank("en"), home=tmp, facebook_graph_url=fb_url,
                       x_api_url=x_url, data_key=base64.b64encode(TEST_KEY).decode(),
                       **(mail or {}))
        app.state.moderation.services["face-backend"] = FakeBackend()
        served = stack.enter_context(ServedApp(app))
        if mail:  # the lifespan is off in these servers: run the mail rounds as the app would
            from secondlook.jobs import JobContext
            from secondlook.jobs.local import LocalRunner

            settings = app.state.settings.model_copy(update={
                "mail_send_seconds": 0.3, "base_url": served.url,
                "release_scheduler_seconds": 0})
            runner = LocalRunner(db, JobContext(db, settings, app.state.job_context.checker),
                                 poll_seconds=0.3)
            runner.start()
            stack.callback(runner.stop)
        link = "" if seeded else f"{served.url}/setup/{_setup_token(db)}"
        yield Site(served.url, db, link, facebook, x, app)
    db.dispose()


def _setup_token(db: DbEngine) -> str:
    """The one-time first-admin link's token, as `secondlook serve` prints it."""
    from secondlook.accounts.setup import issue_setup_link

    with session_scope(db) as s:
        token = issue_setup_link(session=s)
    assert token is not None, "the database already has an account"
    return token


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import require_system_package

    require_system_package(os.path.exists(CHROMIUM), "Debian's Chromium",
                           "chromium chromium-driver")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser, site: Site, username: str, viewport: dict | None = None):  # noqa: ANN001, ANN201
    """A fresh browser context signed in as ``username`` through the login form."""
    phone = viewport == PHONE
    context = browser.new_context(viewport=viewport or DESKTOP, is_mobile=phone,
                                  has_touch=phone, device_scale_factor=1)
    page = context.new_page()
    page.goto(site.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))
    return page


def page_width(page) -> int:  # noqa: ANN001
    """How wide the page is laid out: more than the viewport means it scrolls sideways."""
    page.wait_for_load_state("load")  # a page still arriving has no body to measure
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, "
                             "document.body.scrollWidth)"))


def wider_than_screen(page) -> list[str]:  # noqa: ANN001
    """The elements that stick out to the right of the screen (empty when none do)."""
    return page.evaluate("""() => {
      const w = document.documentElement.clientWidth, out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.right > w + 1) out.push(el.tagName.toLowerCase() +
          (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ?
          '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(r.right));
      }
      return out.slice(0, 10);
    }""")
