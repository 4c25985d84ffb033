"""Release test support (a pytest plugin): settings pointing at the fake channel servers,
stored credentials, and an approved draft made through the workflow."""

from __future__ import annotations

import base64

import pytest

from consent_store.db import session_scope
from secondlook.config import Settings, get_settings
from secondlook.release.credentials import set_credentials
from tests.conftest import TEST_KEY
from tests.fakes import facebook as fb
from tests.fakes import x as xfake

KEY = base64.b64encode(TEST_KEY).decode()  # the data key as the setting holds it


@pytest.fixture
def settings(_fb_server, _x_server, fake_facebook, fake_x, tmp_path,  # noqa: ANN001, ANN201
             monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("SECONDLOOK_DATA_KEY", KEY)
    monkeypatch.setenv("SECONDLOOK_HOME", str(tmp_path))
    get_settings.cache_clear()
    yield Settings(home=tmp_path, data_key=KEY, facebook_graph_url=_fb_server[1].url,
                   x_api_url=_x_server[1].url, release_timeout_seconds=1.0)
    get_settings.cache_clear()


@pytest.fixture
def configured(sqlite_db, settings):  # noqa: ANN001, ANN201
    with session_scope(sqlite_db) as s:
        set_credentials(session=s, channel="facebook",
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN}, actor=None,
                        key=TEST_KEY)
        set_credentials(session=s, channel="twitter",
                        values={"username": "oakfieldpri", "token": xfake.TOKEN}, actor=None,
                        key=TEST_KEY)
    return settings
