"""Accounts from the console: add a user, reset a forgotten password (no default password)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from consent_store.db import make_engine
from secondlook.accounts.passwords import verify_password
from secondlook.accounts.users import find_user
from secondlook.cli import main


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """What the user types at the password prompts, in order."""
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def _user(url: str, username: str):  # noqa: ANN202
    with Session(make_engine(url), expire_on_commit=False) as s:
        return find_user(session=s, username=username)


def test_add_an_admin_from_the_console(cli_env, typed, capsys) -> None:  # noqa: ANN001
    typed += ["a long enough password"] * 2
    assert main(["user", "add", "head", "--name", "Mrs Head", "--role", "admin",
                 "--role", "headteacher"]) == 0
    assert "created head (Mrs Head), roles: headteacher;admin" in capsys.readouterr().out
    assert verify_password(_user(cli_env, "head").password_hash, "a long enough password")


def test_mismatched_or_weak_password_creates_nothing(cli_env, typed, capsys) -> None:  # noqa: ANN001
    typed += ["a long enough password", "another long password"]
    assert main(["user", "add", "head", "--name", "Mrs Head"]) == 1
    assert "the two passwords differ" in capsys.readouterr().err
    typed += ["short", "short"]
    assert main(["user", "add", "head", "--name", "Mrs Head"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert _user(cli_env, "head") is None


def test_reset_a_forgotten_password(cli_env, typed, capsys) -> None:  # noqa: ANN001
    typed += ["a long enough password"] * 2 + ["a brand new password"] * 2
    main(["user", "add", "head", "--name", "Mrs Head", "--role", "admin"])
    assert main(["user", "password", "head"]) == 0
    assert "password of head changed" in capsys.readouterr().out
    user = _user(cli_env, "head")
    assert verify_password(user.password_hash, "a brand new password")
    assert not verify_password(user.password_hash, "a long enough password")
    assert main(["user", "password", "nobody"]) == 1
