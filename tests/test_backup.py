"""Backup and restore: a consistent copy while another process writes, verified on the way
back; a database rolled back by a plain file copy fails `audit verify`, saying so."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from consent_store.db import make_engine, session_scope
from secondlook.cli import main
from secondlook.config import get_settings
from secondlook.keys import data_key
from secondlook.release.credentials import load_credentials
from secondlook.workflow import audit
from secondlook.workflow.models import AuditEntry
from tests.conftest import EXAMPLES, POSTGRES_URL, ROOT

TOKEN = "EAAG-page-token"


@pytest.fixture
def home(cli_env, monkeypatch) -> Path:  # noqa: ANN001
    monkeypatch.delenv("SECONDLOOK_DATA_KEY", raising=False)
    get_settings.cache_clear()
    return get_settings().home


def _use(monkeypatch, url: str, home: Path) -> None:  # noqa: ANN001
    monkeypatch.setenv("SECONDLOOK_DATABASE_URL", url)
    monkeypatch.setenv("SECONDLOOK_HOME", str(home))
    get_settings.cache_clear()


def _populate(monkeypatch) -> None:  # noqa: ANN001
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["channel", "set", "facebook", "--page-id", "42", "--token-stdin"]) == 0


def _append(url: str, count: int, action: str = "approved") -> None:
    db = make_engine(url)
    for n in range(count):
        with session_scope(db) as s:
            audit.append(session=s, actor=None, action=action, draft_id=n + 1)
    db.dispose()


def _entries(url: str) -> int:
    with Session(make_engine(url)) as s:
        return len(s.exec(select(AuditEntry.position)).all())


def test_database_files_are_created_private(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'var' / 'secondlook.db'}")
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE t (x)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        made = sorted(p.name for p in (tmp_path / "var").iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "var").iterdir()}
    assert "secondlook.db" in made and "secondlook.db-wal" in made
    assert set(modes.values()) == {0o600}, modes


_WRITER = textwrap.dedent("""
    import sys, time
    from consent_store.db import make_engine, session_scope
    from secondlook.workflow import audit
    db = make_engine(sys.argv[1])
    for n in range(int(sys.argv[2])):
        with session_scope(db) as s:
            audit.append(session=s, actor=None, action="approved", draft_id=n + 1)
        print(n + 1, flush=True)
        time.sleep(0.005)
""")


def test_backup_while_another_process_writes_then_restore_verifies_it(
        cli_env, home, monkeypatch, tmp_path, capsys) -> None:
    _populate(monkeypatch)
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, cli_env, "300"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(40):  # let it get going
            writer.stdout.readline()
        assert main(["backup", str(tmp_path / "backup")]) == 0
        written_during = int(writer.stdout.readline())
    finally:
        writer.stdout.read()
        assert writer.wait(timeout=120) == 0
    assert written_during < 300, "the writer had finished before the backup ended"
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert 40 < manifest["audit_entries"] < _entries(cli_env)
    assert stat.S_IMODE((tmp_path / "backup" / "data.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backup" / "secondlook.db").stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert f"audit log {manifest['audit_entries']} entries" in out and "keep it apart" in out
    assert main(["audit", "verify"]) == 0  # the live log holds the backup's head
    # Put it back on another machine: a new home, no key yet.
    new_home, new_url = tmp_path / "elsewhere", f"sqlite:///{tmp_path / 'elsewhere' / 'sl.db'}"
    _use(monkeypatch, new_url, new_home)
    assert main(["restore", str(tmp_path / "backup")]) == 0
    out = capsys.readouterr().out
    assert f"verified against the backup's head: {manifest['audit_entries']} entries" in out
    assert _entries(new_url) == manifest["audit_entries"] + 1  # and the restore itself
    assert main(["audit", "verify"]) == 0
    with Session(make_engine(new_url)) as s:
        key = data_key(get_settings())
        assert load_credentials(session=s, channel="facebook", key=key)["token"] == TOKEN


def test_a_database_file_copied_back_fails_verification_saying_what_happened(
        cli_env, home, tmp_path, capsys) -> None:
    """Issue 11.10: a plain copy that lost 15 acknowledged approvals still passed."""
    main(["register", "import", str(EXAMPLES / "register.csv")])
    db_file = Path(cli_env.split("///", 1)[1])
    _checkpoint(cli_env)
    shutil.copy(db_file, tmp_path / "copy.db")  # the admin's "backup"
    _append(cli_env, 15)
    assert main(["audit", "verify"]) == 0
    assert "16 entries verified" in capsys.readouterr().out
    _checkpoint(cli_env)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "copy.db", db_file)  # ... put back after a disk problem
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED entry 2: missing: the log ends at entry 1, but entry 16 was recorded by " \
        "audit verify" in out
    assert "entries 2 to 16 are gone. The database was rolled back" in out
    assert "secondlook restore DIR" in out
    assert main(["audit", "verify", "--accept-rollback", "copied back by hand on purpose"]) == 0
    assert main(["audit", "verify"]) == 0


def _checkpoint(url: str) -> None:
    db = make_engine(url)
    with db.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()


def test_an_edited_log_cannot_be_accepted_as_a_rollback(cli_env, home, capsys) -> None:
    _append(cli_env, 3)
    assert main(["audit", "verify"]) == 0
    db = make_engine(cli_env)
    with db.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entry_no_update"))
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE position = 2"))
    assert main(["audit", "verify", "--accept-rollback", "x"]) == 1
    assert "a rollback cannot be accepted" in capsys.readouterr().out


def test_restore_refuses_a_changed_copy_or_a_wrong_key(
        cli_env, home, monkeypatch, tmp_path, capsys) -> None:
    _populate(monkeypatch)
    folder = tmp_path / "b"
    assert main(["backup", str(folder), "--key-out", str(tmp_path / "usb" / "key")]) == 0
    assert not (folder / "data.key").exists()
    capsys.readouterr()
    new_url = f"sqlite:///{tmp_path / 'n' / 'sl.db'}"
    _use(monkeypatch, new_url, tmp_path / "n")
    assert main(["restore", str(folder)]) == 1
    assert "give it with --key FILE" in capsys.readouterr().err
    other = tmp_path / "other.key"
    other.write_text(__import__("consent_store.crypto").crypto.new_key_text())
    assert main(["restore", str(folder), "--key", str(other)]) == 1
    assert "but the backup was sealed with" in capsys.readouterr().err
    with (folder / "secondlook.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\xff")
    assert main(["restore", str(folder), "--key", str(tmp_path / "usb" / "key")]) == 1
    assert "its SHA-256 differs from manifest.json" in capsys.readouterr().err
    assert not Path(new_url.split("///", 1)[1]).exists()  # nothing was written


def test_restore_over_the_database_puts_the_older_state_back_keeping_a_copy_first(
        cli_env, home, monkeypatch, tmp_path, capsys) -> None:
    _populate(monkeypatch)
    assert main(["backup", str(tmp_path / "monday")]) == 0
    at_backup = json.loads((tmp_path / "monday" / "manifest.json").read_text())["audit_entries"]
    _append(cli_env, 5)
    assert main(["audit", "verify"]) == 0
    before = _entries(cli_env)
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "monday")]) == 0
    out = capsys.readouterr().out
    assert "it replaced a database with 5 learner(s)" in out
    assert _entries(cli_env) == at_backup + 1
    assert main(["audit", "verify"]) == 0  # the restore moved the recorded head with it
    (kept,) = home.glob("before-restore-*")
    assert f"backed up first to {kept}" in out
    assert json.loads((kept / "manifest.json").read_text())["audit_entries"] == before
    assert not (kept / "data.key").exists()  # the key stays where it is
    assert main(["restore", str(kept)]) == 0  # and that copy can be put back in turn
    assert _entries(cli_env) > before


def test_a_backup_folder_is_never_overwritten(cli_env, home, tmp_path, capsys) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old").write_text("x")
    assert main(["backup", str(tmp_path / "b")]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgres_backup_with_pg_dump_and_restore(tmp_path, monkeypatch, capsys) -> None:
    from tests.conftest import migrated_url

    url = migrated_url("postgres", tmp_path)
    assert url == POSTGRES_URL
    monkeypatch.delenv("SECONDLOOK_DATA_KEY", raising=False)
    _use(monkeypatch, url, tmp_path / "home")
    try:
        _populate(monkeypatch)
        assert main(["backup", str(tmp_path / "pg")]) == 0
        manifest = json.loads((tmp_path / "pg" / "manifest.json").read_text())
        assert manifest["database"] == "postgresql" and manifest["file"] == "secondlook.pgdump"
        _append(url, 4)
        assert main(["restore", str(tmp_path / "pg")]) == 0
        assert _entries(url) == manifest["audit_entries"] + 1
        assert main(["audit", "verify"]) == 0
        with Session(make_engine(url)) as s:
            key = data_key(get_settings())
            assert load_credentials(session=s, channel="facebook", key=key)["token"] == TOKEN
    finally:
        get_settings.cache_clear()


def test_the_running_server_records_the_head_so_a_rollback_is_caught_without_a_verify(
        cli_env, home, tmp_path, capsys) -> None:
    from secondlook.audit_heads import HeadKeeper

    _append(cli_env, 3)
    db_file = Path(cli_env.split("///", 1)[1])
    _checkpoint(cli_env)
    shutil.copy(db_file, tmp_path / "copy.db")
    _append(cli_env, 15)
    keeper = HeadKeeper(make_engine(cli_env), home, interval=3600)
    keeper.note()  # what the server's thread does every minute
    _checkpoint(cli_env)
    shutil.copy(tmp_path / "copy.db", db_file)
    keeper.note()  # it never moves the recorded head back
    assert main(["audit", "verify"]) == 1
    assert "entry 18 was recorded by the running server" in capsys.readouterr().out
