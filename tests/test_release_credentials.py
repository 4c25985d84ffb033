"""Channel credentials: entered by an admin, stored encrypted, never in clear in the database."""

from __future__ import annotations

import io
import os
import stat

import pytest
from sqlalchemy import text
from sqlmodel import Session

from consent_store.db import session_scope
from secondlook.accounts.models import User
from secondlook.cli import main
from secondlook.config import get_settings
from secondlook.keys import data_key
from secondlook.release.credentials import CredentialError, load_credentials, set_credentials
from secondlook.release.errors import NotConfigured
from secondlook.release.sealing import SealError

TOKEN = "EAAG-very-secret-page-token"
KEY = bytes(32)


@pytest.fixture
def home(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("SECONDLOOK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SECONDLOOK_DATA_KEY", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_tokens_are_sealed_at_rest_and_read_back(sqlite_db, home) -> None:
    key = data_key(get_settings())  # read at the edge, as a command does
    with session_scope(sqlite_db) as s:
        set_credentials(session=s, channel="facebook", values={"page_id": "42", "token": TOKEN},
                        actor=None, key=key)
    with sqlite_db.connect() as conn:
        account, sealed = conn.execute(text(
            "SELECT account, sealed FROM channel_credential")).one()
    assert account == "42" and TOKEN.encode() not in sealed
    with Session(sqlite_db) as s:
        assert load_credentials(session=s, channel="facebook", key=key) == {
            "page_id": "42", "token": TOKEN}
    key_file = home / "data.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_a_different_data_key_cannot_read_them_and_says_what_to_do(sqlite_db, home,
                                                                   monkeypatch) -> None:
    with session_scope(sqlite_db) as s:
        set_credentials(session=s, channel="twitter",
                        values={"username": "oakfield", "token": TOKEN}, actor=None,
                        key=data_key(get_settings()))
    monkeypatch.setenv("SECONDLOOK_DATA_KEY", "A" * 43 + "=")
    get_settings.cache_clear()
    other = data_key(get_settings())
    with Session(sqlite_db) as s, pytest.raises(SealError, match="enter the credentials again"):
        load_credentials(session=s, channel="twitter", key=other)


def test_only_an_admin_may_set_them_and_missing_fields_are_named(sqlite_db, home) -> None:
    author = User(id=5, username="amy", display_name="Amy", roles="author;approver")
    with Session(sqlite_db) as s:
        with pytest.raises(PermissionError):
            set_credentials(session=s, channel="twitter",
                            values={"username": "x", "token": "t"}, actor=author, key=KEY)
        with pytest.raises(CredentialError, match="page_id is missing"):
            set_credentials(session=s, channel="facebook", values={"token": "t"}, actor=None,
                            key=KEY)
        with pytest.raises(NotConfigured, match="secondlook channel set twitter"):
            load_credentials(session=s, channel="twitter", key=KEY)


def test_cli_reads_the_token_from_stdin_not_the_command_line(cli_env, monkeypatch,
                                                             capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    code = main(["channel", "set", "facebook", "--page-id", "1122", "--token-stdin"])
    assert code == 0
    assert "stored encrypted" in capsys.readouterr().out
    from consent_store.db import make_engine

    with Session(make_engine(cli_env)) as s:
        key = data_key(get_settings())  # the key file the command created under home
        assert load_credentials(session=s, channel="facebook", key=key)["token"] == TOKEN


def test_cli_missing_page_id_is_a_one_line_error(cli_env, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("tok\n"))
    assert main(["channel", "set", "facebook", "--token-stdin"]) == 1
    err = capsys.readouterr().err
    assert "page_id is missing" in err and "--page-id" in err and "Traceback" not in err
