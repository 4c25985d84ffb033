"""The SQLite database (register, never-publish flags, password hashes) is readable by its
owner only: created 0600 with its -wal and -shm files, in a 0700 folder, and an older
0644 file is tightened when opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from consent_store.db import make_engine
from secondlook.database import migrate


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_journal_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which makes 0644 files
    try:
        home = tmp_path / "var"
        db = make_engine(f"sqlite:///{home / 'secondlook.db'}")
        migrate(db)
        with db.connect() as conn:  # keep a connection open: -wal and -shm exist now
            conn.execute(text("SELECT count(*) FROM learner")).one()
            files = sorted(p.name for p in home.iterdir())
            assert files == ["secondlook.db", "secondlook.db-shm", "secondlook.db-wal"]
            assert {p.name: _mode(p) for p in home.iterdir()} == dict.fromkeys(files, 0o600)
        db.dispose()
    finally:
        os.umask(old)
    assert _mode(home) == 0o700


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "secondlook.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600
