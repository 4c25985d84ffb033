"""Each channel's post as it will appear: Facebook card, X with its weighted count (live as
the author types), Class Dojo story, with the photos exactly as they will be sent."""

from __future__ import annotations

import base64
import re

import pytest

from consent_store.db import session_scope
from secondlook.release.credentials import set_credentials
from tests.conftest import TEST_KEY
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, make_app, signed_in
from web.draft_render import x_length

pytest_plugins = ["tests.workflow_support"]


@pytest.fixture
def author(sqlite_db, blank_nlp, tmp_path):  # noqa: ANN001, ANN201
    from secondlook.accounts.models import Role

    # the test's key: the credentials stored below are sealed with it
    app = make_app(sqlite_db, blank_nlp, home=tmp_path,
                   data_key=base64.b64encode(TEST_KEY).decode())
    app.state.moderation.services["face-backend"] = FakeBackend()
    return signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR, name="Amy Author"))


def test_x_length_counts_as_x_does_and_marks_what_does_not_fit() -> None:
    assert x_length("Sports day! https://oakfield.sch.uk/news/sports-day-2026").weighted == 35
    assert x_length("Well done 🎉").weighted == 12  # an emoji counts 2
    long = x_length("a" * 275 + " 雪雪雪")  # CJK counts 2: 276 + 6
    assert (long.weighted, long.remaining) == (282, -2)
    assert long.fits == "a" * 275 + " 雪雪" and long.over == "雪"


def test_the_count_follows_the_typing_without_a_full_check(author) -> None:  # noqa: ANN001
    client, csrf = author
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    resp = client.post("/drafts/length", data={"text": "b" * 290, "channels": ["twitter"]},
                       headers=headers)
    assert resp.status_code == 200 and "<html" not in resp.text
    assert "X (Twitter): 290 of 280 characters — 10 too many" in resp.text
    assert 'class="x-count over"' in resp.text
    hidden = client.post("/drafts/length", data={"text": "hello", "channels": ["facebook"]},
                         headers=headers)
    assert 'class="x-count hidden"' in hidden.text  # not going to X: nothing to count


def test_the_live_check_shows_every_channels_post(author) -> None:  # noqa: ANN001
    client, csrf = author
    text = "Our choir sang at the town hall. " * 9  # 297 characters
    resp = client.post("/drafts/check", data={"text": text, "channels": ["facebook", "twitter",
                                                                          "classdojo"]},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    page = resp.text
    for label in ("on Facebook", "on X (Twitter)", "in the Class Dojo school story"):
        assert f'aria-label="As it will appear {label}"' in page
    assert "297 / 280 characters as X counts them: 17 too many" in page
    cut = re.search(r'<del class="over"[^>]*>([^<]*)</del>', page)  # where X would cut
    assert cut and cut.group(1) == text[280:] == "t the town hall. "


def test_a_saved_draft_previews_its_cleaned_photos_and_the_accounts(author, sqlite_db) -> None:  # noqa: ANN001
    client, csrf = author
    with session_scope(sqlite_db) as s:
        set_credentials(session=s, channel="twitter", values={"username": "oakfieldpri",
                                                             "token": "x-token-123"},
                        actor=None, key=TEST_KEY, account_name="Oakfield Primary")
    photos = [("photos", (f"IMG_{n}.png", painted((120, 90), []), "image/png"))
              for n in range(6)]
    resp = client.post("/drafts", data={"csrf_token": csrf, "text": "Our trip",
                                        "channels": ["facebook", "twitter"]},
                       files=photos, follow_redirects=True)
    page = resp.text
    fb = page.split('aria-label="As it will appear on Facebook"')[1].split("</article>")[0]
    x = page.split('aria-label="As it will appear on X (Twitter)"')[1].split("</article>")[0]
    assert fb.count("<img ") == 5 and '<span class="more">+1</span>' in fb  # a grid of five
    assert x.count("<img ") == 4  # X shows four
    assert "Oakfield Primary" in x and "@oakfieldpri" in x
    urls = re.findall(r'<img src="(/drafts/\d+/images/[0-9a-f]{64})"', fb)
    assert client.get(urls[0]).headers["content-type"] == "image/png"  # the stored, clean copy
