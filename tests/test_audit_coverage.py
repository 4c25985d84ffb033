"""The audit log records every change the README promises: register and staff imports,
withdrawals, enrolments and purges, accounts, channel credentials, takedowns."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import Session, select

from consent_store.db import make_engine, session_scope
from secondlook.accounts.models import Role
from secondlook.cli import main
from secondlook.config import get_settings
from secondlook.workflow.models import AuditEntry
from tests.conftest import EXAMPLES
from tests.web_support import PASSWORD, add_user, make_app, signed_in

pytest_plugins = ["tests.fakes.fixtures", "tests.release_support"]  # the fake X, its settings


def _log(db) -> list[tuple[str, str, dict]]:  # noqa: ANN001
    with Session(db) as s:
        rows = s.exec(select(AuditEntry).order_by(AuditEntry.position)).all()
        return [(e.actor, e.action, json.loads(e.detail)) for e in rows]


def _enrol(url: str, upn: str, who: int) -> None:
    from moderation.options import CheckOptions
    from secondlook.commands import data_key
    from secondlook.enrolment import ReferencePhotoUpload, enrol
    from tests.face_support import FakeBackend, painted

    photo = ReferencePhotoUpload("ref.png", painted((200, 200), [(who, 40, 40, 90)]))
    with session_scope(make_engine(url)) as s:
        enrol(session=s, upn=upn, photos=[photo], key=data_key(get_settings()),
              options=CheckOptions(face_workers=1), backend=FakeBackend())


def test_imports_and_enrolments_are_each_an_entry(cli_env, capsys) -> None:
    """Issue 11.11: after these four changes `audit verify` reported "1 entries"."""
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    assert main(["staff", "import", str(EXAMPLES / "staff.csv")]) == 0
    _enrol(cli_env, "A123456789012", 7)
    _enrol(cli_env, "B234567890123", 9)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 4 entries verified" in capsys.readouterr().out
    log = _log(make_engine(cli_env))
    assert [a for _, a, _ in log] == ["register.import", "staff.import", "register.enrol",
                                      "register.enrol"]
    assert log[0][2]["created"] == 5 and log[1][2] == {"file": str(EXAMPLES / "staff.csv"),
                                                       "count": 2}
    assert log[2][2] == {"upn": "A123456789012", "count": 1}


def test_a_purge_by_import_is_an_entry(cli_env, tmp_path) -> None:
    main(["register", "import", str(EXAMPLES / "register.csv")])
    _enrol(cli_env, "A123456789012", 7)
    withdrawn = tmp_path / "r.csv"
    withdrawn.write_text((EXAMPLES / "register.csv").read_text().replace(
        "Year 5,classdojo,first,yes", "Year 5,classdojo,first,no"))
    assert main(["register", "import", str(withdrawn)]) == 0
    purges = [d for _, a, d in _log(make_engine(cli_env)) if a == "biometrics.delete"]
    assert [p["upn"] for p in purges] == ["A123456789012"]


def test_account_changes_on_the_web_are_entries_without_secrets(sqlite_db, blank_nlp) -> None:
    from secondlook.accounts.users import find_user

    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    client.post("/admin/users", data={"csrf_token": csrf, "username": "jo",
                                      "display_name": "Jo Smith", "password": PASSWORD,
                                      "roles": ["author"]})
    with Session(sqlite_db) as s:
        jo = find_user(session=s, username="jo")
    client.post(f"/admin/users/{jo.id}", data={"csrf_token": csrf,
                                               "roles": ["author", "approver"],
                                               "active": "true",
                                               "new_password": "a fresh long password"})
    client.post(f"/admin/users/{jo.id}", data={"csrf_token": csrf, "roles": ["author"]})
    entries = [(actor, action, detail) for actor, action, detail in _log(sqlite_db)
               if detail.get("account") == "jo"]
    assert [(a, act) for a, act, _ in entries] == [
        ("head", "account.create"), ("head", "account.roles"), ("head", "account.password"),
        ("head", "account.roles"), ("head", "account.deactivate")]
    assert entries[1][2]["from"] == "author" and entries[1][2]["to"] == "author;approver"
    assert entries[2][2]["note"] == "reset"
    text = json.dumps(_log(sqlite_db))
    assert PASSWORD not in text and "a fresh long password" not in text and "argon2" not in text


def test_changing_ones_own_password_is_an_entry(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, amy)
    client.post("/account/password", data={"csrf_token": csrf, "current": PASSWORD,
                                           "new": "my own new password",
                                           "new_again": "my own new password"})
    assert ("amy", "account.password", {"account": "amy", "note": "changed by its user"}) \
        in _log(sqlite_db)


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def test_console_accounts_and_channel_credentials_are_entries(cli_env, typed, monkeypatch,
                                                              capsys) -> None:
    typed += [PASSWORD] * 2 + ["a brand new password"] * 2
    assert main(["user", "add", "head", "--name", "Mrs Head", "--role", "admin"]) == 0
    assert main(["user", "password", "head"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("page-token\n"))
    assert main(["channel", "set", "facebook", "--page-id", "42", "--token-stdin"]) == 0
    assert main(["channel", "remove", "facebook"]) == 0
    assert "Credentials for facebook removed" in capsys.readouterr().out
    log = _log(make_engine(cli_env))
    assert [(a, act) for a, act, _ in log] == [
        ("system", "account.create"), ("system", "account.password"),
        ("system", "channel.credentials_set"), ("system", "channel.credentials_remove")]
    assert log[2][2] == {"channel": "facebook", "account": "42"}
    assert "page-token" not in json.dumps(log)


def test_removing_credentials_on_the_web_is_an_entry(sqlite_db, blank_nlp, settings,  # noqa: ANN001
                                                     fake_x) -> None:  # noqa: ANN001
    from tests.fakes import x as xfake

    admin = add_user(sqlite_db, "dpo", Role.ADMIN)
    app = make_app(sqlite_db, blank_nlp, home=settings.home, data_key=settings.data_key,
                   x_api_url=settings.x_api_url)  # the connection test asks the fake X
    client, csrf = signed_in(app, sqlite_db, admin)
    client.post("/admin/channels/twitter", data={"csrf_token": csrf, "account": "oakfieldpri",
                                                 "token": xfake.TOKEN})
    page = client.post("/admin/channels/twitter/remove", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert "The X (Twitter) credentials were removed" in page.text
    assert [(a, act) for a, act, _ in _log(sqlite_db) if act.startswith("channel.")] == [
        ("dpo", "channel.credentials_set"), ("dpo", "channel.credentials_remove")]


def test_takedowns_opened_and_closed_are_entries(db) -> None:
    from secondlook.release.takedowns import mark_taken_down, open_takedowns, takedown_queue
    from tests.test_takedowns import AMELIA, HEAD, _face, _register, _release

    _register(db)
    _release(db, 1, ("facebook", "twitter"), _face(AMELIA))
    with session_scope(db) as s:
        open_takedowns(session=s, changes=_register(db, amelia_photo="classdojo"))
    with session_scope(db) as s:
        first = takedown_queue(session=s)[0]
        mark_taken_down(session=s, takedown_id=first.id, user=HEAD, note="removed")
    opened = [d for _, a, d in _log(db) if a == "takedown.open"]
    assert sorted(d["channels"][0] for d in opened) == ["facebook", "twitter"]
    assert all(d["upn"] == AMELIA and "withdrawn" in d["reason"] for d in opened)
    assert [a for _, a, _ in _log(db)].count("taken down") == 1
