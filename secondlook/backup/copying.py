"""The database-specific part of a backup: copying out and putting back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
in one step while other connections keep writing (WAL), and puts a copy back through
SQLite's own locking, so no stale ``-wal`` file can mix old and new pages as a file copy
would. PostgreSQL: ``pg_dump`` in the custom format, reading the snapshot our own
transaction exported, so the dump and the audit head we read are the same moment.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from secondlook.backup.manifest import BackupError


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600; never over an existing file."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def plain_sqlite(path: Path) -> Engine:
    """An engine on a copy that changes nothing in it (no WAL, no -wal file beside it)."""
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def sqlite_copy(engine: Engine, target: Path) -> None:
    private_file(target)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            dest.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dest.close()
    finally:
        raw.close()


def sqlite_put_back(copy: Path, target: Path) -> None:
    """Replace the database at ``target`` with ``copy``, page by page, under SQLite's lock."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        private_file(target)
    source = sqlite3.connect(copy)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest)
    except sqlite3.OperationalError as exc:
        raise BackupError(f"cannot write {target}: {exc}; stop the server and try again") from exc
    finally:
        dest.close()
        source.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: on Debian `apt-get install "
                          "postgresql-client` (the same major version as the server), or follow "
                          "the README's PostgreSQL backup steps")
    return found


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's variables: the password never appears in the process list."""
    env = dict(os.environ)
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    env.update({k: str(v) for k, v in values.items() if v is not None})
    return env


def _run(command: list[str], url: URL) -> None:
    done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed (exit {done.returncode}): "
                          f"{done.stderr.strip()[:2000]}")


@contextmanager
def pg_snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A repeatable-read transaction and the id of its exported snapshot."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
            conn.begin():
        yield conn, str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())


def pg_dump(url: URL, snapshot: str, target: Path) -> None:
    private_file(target)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
          f"--file={target}"], url)


def pg_restore(url: URL, dump: Path) -> None:
    """Drop and recreate what the dump holds, in one transaction: all or nothing."""
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={url.database}", str(dump)], url)
