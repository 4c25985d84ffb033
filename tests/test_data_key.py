"""A lost or wrong data key is never replaced silently: commands and the server refuse to
start while the database holds sealed data; the key can be rotated, or reset when lost."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from consent_store.crypto import key_fingerprint, new_key_text
from consent_store.db import make_engine, session_scope
from consent_store.templates import FaceTemplate, add_template, load_templates
from secondlook.cli import main
from secondlook.config import Settings, get_settings
from secondlook.keys import data_key
from secondlook.release.credentials import load_credentials
from tests.conftest import EXAMPLES

TOKEN = "EAAG-page-token"
AMELIA = "A123456789012"


@pytest.fixture
def home(cli_env, monkeypatch) -> Path:  # noqa: ANN001
    monkeypatch.delenv("SECONDLOOK_DATA_KEY", raising=False)
    get_settings.cache_clear()
    return get_settings().home


def _sealed_data(cli_env: str, monkeypatch) -> bytes:  # noqa: ANN001
    """A register, a channel token and a face template, all under the key the CLI made."""
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["channel", "set", "facebook", "--page-id", "42", "--token-stdin"]) == 0
    key = data_key(get_settings())
    with session_scope(make_engine(cli_env)) as s:
        add_template(session=s, upn=AMELIA, encoding=np.full(128, 0.25), photo=b"jpeg", key=key)
    return key


def test_a_new_key_is_made_for_an_empty_database_and_its_fingerprint_recorded(
        cli_env, home) -> None:
    from secondlook import instance_state

    assert not (home / "data.key").exists()
    assert main(["takedowns", "list"]) == 0
    key = data_key(get_settings())
    assert stat.S_IMODE(os.stat(home / "data.key").st_mode) == 0o600
    with Session(make_engine(cli_env)) as s:
        assert instance_state.get(s, instance_state.KEY_FINGERPRINT) == key_fingerprint(key)


def test_a_missing_key_file_stops_every_command_naming_the_file_and_the_fix(
        cli_env, home, monkeypatch, capsys) -> None:
    _sealed_data(cli_env, monkeypatch)
    (home / "data.key").unlink()
    capsys.readouterr()
    for command in (["takedowns", "list"], ["audit", "verify"], ["check", "--text", "Hi"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert f"the data key file {home / 'data.key'} is missing" in err
        assert "1 face template(s), 1 reference photo(s), 1 channel credential(s)" in err
        assert "Put the backed-up data.key back" in err
        assert not (home / "data.key").exists(), "a new key was made over sealed data"


def test_a_different_key_stops_commands_and_the_server(cli_env, home, monkeypatch,
                                                       capsys) -> None:
    from secondlook.keys import DataKeyRefused
    from web.app import create_app

    key = _sealed_data(cli_env, monkeypatch)
    (home / "data.key").write_text(new_key_text() + "\n")
    capsys.readouterr()
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 1
    err = capsys.readouterr().err
    assert f"the data key in {home / 'data.key'}" in err
    assert f"is not the key the database {cli_env}" in err
    assert f"(fingerprint {key_fingerprint(key)})" in err
    with pytest.raises(DataKeyRefused, match="is not the key the database"):
        create_app(get_settings(), db=make_engine(cli_env))
    monkeypatch.setenv("SECONDLOOK_DATA_KEY", new_key_text())
    get_settings.cache_clear()
    assert main(["takedowns", "list"]) == 1
    assert "the data key in SECONDLOOK_DATA_KEY" in capsys.readouterr().err


def test_a_database_from_before_fingerprints_is_checked_by_opening_a_sealed_value(
        cli_env, home, monkeypatch) -> None:
    from secondlook import instance_state
    from secondlook.keys import DataKeyRefused, open_data_key

    key = _sealed_data(cli_env, monkeypatch)
    db = make_engine(cli_env)
    with session_scope(db) as s:
        s.delete(s.get(instance_state.InstanceSetting, instance_state.KEY_FINGERPRINT))
    other = Settings(home=home, data_key=new_key_text())
    with pytest.raises(DataKeyRefused, match="fingerprint not recorded"):
        open_data_key(other, db)
    assert open_data_key(get_settings(), db) == key
    with Session(db) as s:
        assert instance_state.get(s, instance_state.KEY_FINGERPRINT) == key_fingerprint(key)


def test_a_database_from_before_fingerprints_with_only_a_channel_token_is_checked_too(
        cli_env, home, monkeypatch) -> None:
    from secondlook import instance_state
    from secondlook.keys import DataKeyRefused, open_data_key

    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["channel", "set", "facebook", "--page-id", "42", "--token-stdin"]) == 0
    key = data_key(get_settings())
    db = make_engine(cli_env)
    with session_scope(db) as s:
        s.delete(s.get(instance_state.InstanceSetting, instance_state.KEY_FINGERPRINT))
    with pytest.raises(DataKeyRefused, match="1 channel credential"):
        open_data_key(Settings(home=home, data_key=new_key_text()), db)
    assert open_data_key(get_settings(), db) == key


def test_a_process_holding_a_stale_key_cannot_seal_with_it(cli_env, home, monkeypatch) -> None:
    from secondlook.release.credentials import CredentialError, set_credentials

    _sealed_data(cli_env, monkeypatch)
    with session_scope(make_engine(cli_env)) as s, \
            pytest.raises(CredentialError, match="restart it so it reads the current key"):
        set_credentials(session=s, channel="twitter", actor=None, key=bytes(32),
                        values={"username": "oak", "token": "t"})


def test_rotation_reseals_everything_and_replaces_the_key_file(cli_env, home, monkeypatch,
                                                               capsys) -> None:
    old = _sealed_data(cli_env, monkeypatch)
    capsys.readouterr()
    assert main(["key", "rotate"]) == 0
    assert "3 sealed value(s) re-encrypted" in capsys.readouterr().out
    new = data_key(get_settings())
    assert new != old and not (home / "data.key.new").exists()
    db = make_engine(cli_env)
    with Session(db) as s:
        assert len(load_templates(session=s, upns=[AMELIA], key=new)) == 1
        assert len(load_templates(session=s, upns=[AMELIA], key=old)) == 0
        assert load_credentials(session=s, channel="facebook", key=new)["token"] == TOKEN
    assert main(["takedowns", "list"]) == 0  # the new key is the database's key
    monkeypatch.setenv("SECONDLOOK_DATA_KEY", __import__("base64").b64encode(old).decode())
    get_settings.cache_clear()
    assert main(["takedowns", "list"]) == 1  # the old one no longer is


def test_rotation_fails_whole_on_a_value_the_key_cannot_open(cli_env, home, monkeypatch,
                                                              capsys) -> None:
    old = _sealed_data(cli_env, monkeypatch)
    db = make_engine(cli_env)
    with session_scope(db) as s:
        s.exec(select(FaceTemplate)).one().sealed = b"\0" * 60  # a damaged row
    assert main(["key", "rotate"]) == 1
    assert "key not rotated, nothing changed" in capsys.readouterr().err
    assert data_key(get_settings()) == old and not (home / "data.key.new").exists()
    with Session(db) as s:
        assert load_credentials(session=s, channel="facebook", key=old)["token"] == TOKEN


def test_a_rotation_stopped_after_its_commit_is_finished_at_the_next_start(
        cli_env, home, monkeypatch) -> None:
    from secondlook import key_rotation

    _sealed_data(cli_env, monkeypatch)

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt  # the power went between the commit and the rename

    real_replace = os.replace
    monkeypatch.setattr(key_rotation.os, "replace", crash)
    assert main(["key", "rotate"]) == 1
    monkeypatch.setattr(key_rotation.os, "replace", real_replace)
    assert (home / "data.key.new").exists()
    assert main(["takedowns", "list"]) == 0
    assert not (home / "data.key.new").exists()
    with Session(make_engine(cli_env)) as s:
        key = data_key(get_settings())
        assert load_credentials(session=s, channel="facebook", key=key)["token"] == TOKEN


def test_reset_after_a_lost_key_deletes_the_sealed_data_and_starts_a_new_key(
        cli_env, home, monkeypatch, capsys) -> None:
    _sealed_data(cli_env, monkeypatch)
    (home / "data.key").unlink()
    with pytest.raises(SystemExit):
        main(["key", "reset"])  # the confirmation flag is required
    assert main(["key", "reset", "--delete-sealed-data"]) == 0
    assert "3 sealed value(s) deleted" in capsys.readouterr().out
    assert main(["takedowns", "list"]) == 0
    assert main(["audit", "verify"]) == 0
    assert "key.reset" in _actions(cli_env)


def _actions(url: str) -> list[str]:
    from secondlook.workflow.models import AuditEntry

    with Session(make_engine(url)) as s:
        return [e.action for e in s.exec(select(AuditEntry).order_by(AuditEntry.position))]
