"""Channels without a developer: each value is explained and checked, the connection is
tried with a call that publishes nothing before saving, and an expiring token is flagged."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from secondlook.accounts.models import Role
from secondlook.release.credentials import credential_row
from secondlook.release.models import ChannelCredential
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.web_support import add_user, make_app, signed_in

pytest_plugins = ["tests.fakes.fixtures", "tests.release_support"]


@pytest.fixture
def admin(sqlite_db, settings, blank_nlp):  # noqa: ANN001, ANN201
    app = make_app(sqlite_db, blank_nlp, home=settings.home, data_key=settings.data_key,
                   facebook_graph_url=settings.facebook_graph_url, x_api_url=settings.x_api_url)
    return signed_in(app, sqlite_db, add_user(sqlite_db, "dpo", Role.ADMIN, name="Dee Admin"))


def _post(client, csrf, channel, **form):  # noqa: ANN001, ANN003, ANN202
    resp = client.post(f"/admin/channels/{channel}", data={"csrf_token": csrf, **form},
                       follow_redirects=True)
    return resp.status_code, words(resp.text)


def words(page: str) -> str:
    """The page as read: tags out, spaces collapsed (form values kept as value="...")."""
    text = re.sub(r"<(?!input)[^>]+>", " ", page)
    return " ".join(html.unescape(text).split())


def _stored(db, channel: str) -> ChannelCredential | None:  # noqa: ANN001
    with Session(db) as s:
        return credential_row(s, channel)  # this school's (the first: a single school)


def test_the_page_explains_where_each_value_comes_from(admin) -> None:  # noqa: ANN001
    client, _ = admin
    page = client.get("/admin/channels").text
    assert "About → Page transparency" in page and "pages_manage_posts" in page
    assert "without the @" in page and "developer portal" in page
    assert "OAuth 2.0, tweet.write and media.write" not in page


def test_facebook_is_tested_with_a_harmless_read_then_saved(admin, sqlite_db,  # noqa: ANN001
                                                           fake_facebook) -> None:  # noqa: ANN001
    client, csrf = admin
    fake_facebook.expires_at = int((datetime.now(UTC) + timedelta(days=5)).timestamp())
    status, page = _post(client, csrf, "facebook", account=fb.PAGE_ID, token=fb.TOKEN)
    assert status == 200 and "Facebook is connected" in page
    assert f"Connected to {fb.PAGE_NAME} (page {fb.PAGE_ID})" in page
    assert "The token expires on" in page and "make a new one before then" in page
    assert fake_facebook.calls == ["page", "debug_token"] and fake_facebook.posts == []
    row = _stored(sqlite_db, "facebook")
    assert row is not None and row.account_name == fb.PAGE_NAME and row.expires_at is not None
    start = client.get("/").text
    assert "The Facebook token expires on" in start  # the admin is warned on the start page


@pytest.mark.parametrize(("account", "token", "says"), [
    ("not-a-number", fb.TOKEN, "'not-a-number' is not a Facebook page id"),
    (fb.PAGE_ID, "wrong-token-123", "Facebook refused this page access token"),
    ("9988776655", fb.TOKEN, "Facebook knows no page 9988776655"),
    (fb.PAGE_ID, "short", "the access token looks incomplete"),
])
def test_bad_facebook_values_are_refused_and_nothing_is_saved(
        admin, sqlite_db, fake_facebook, account, token, says) -> None:  # noqa: ANN001
    client, csrf = admin
    status, page = _post(client, csrf, "facebook", account=account, token=token)
    assert status == 422 and f"Not saved: {says}" in page
    assert _stored(sqlite_db, "facebook") is None
    assert f'value="{account}"' in page  # what was typed stays in the form


def test_a_personal_facebook_token_is_refused(admin, sqlite_db, fake_facebook) -> None:  # noqa: ANN001
    client, csrf = admin
    fake_facebook.token_type = "USER"
    status, page = _post(client, csrf, "facebook", account=fb.PAGE_ID, token=fb.TOKEN)
    assert status == 422 and "this is a personal (user) access token" in page
    assert _stored(sqlite_db, "facebook") is None


def test_x_is_tested_by_asking_whose_token_it_is(admin, sqlite_db, fake_x) -> None:  # noqa: ANN001
    client, csrf = admin
    status, page = _post(client, csrf, "twitter", account="someoneelse", token=xfake.TOKEN)
    assert status == 422 and "this token belongs to @oakfieldpri, not @someoneelse" in page
    status, page = _post(client, csrf, "twitter", account="not valid!", token=xfake.TOKEN)
    assert status == 422 and "is not an X username" in page
    status, page = _post(client, csrf, "twitter", account="@OakfieldPri", token=xfake.TOKEN,
                         expires=f"{datetime.now(UTC).year + 2}-03-31")
    assert status == 200 and "X (Twitter) is connected" in page
    assert "Connected to Oakfield Primary (@oakfieldpri)" in page
    assert "The token works until 31 Mar" in page
    assert fake_x.calls == ["me", "me"] and fake_x.posts == []  # a malformed name: no call
    assert _stored(sqlite_db, "twitter").account == "oakfieldpri"


def test_stored_credentials_can_be_tested_again(admin, sqlite_db, fake_x) -> None:  # noqa: ANN001
    client, csrf = admin
    _post(client, csrf, "twitter", account="oakfieldpri", token=xfake.TOKEN)
    ok = client.post("/admin/channels/twitter/test", data={"csrf_token": csrf},
                     follow_redirects=True)
    assert "X (Twitter) still works" in ok.text
    fake_x.token = "revoked-since"
    broken = client.post("/admin/channels/twitter/test", data={"csrf_token": csrf})
    assert broken.status_code == 422
    assert "The stored X (Twitter) credentials do not work" in broken.text
