"""Database engine, sessions and the register snapshot that moderation reads."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine, select

from consent_store.models import Learner, StaffMember
from consent_store.scope import current_school_id
from consent_store.snapshot import FaceTemplateSet, LearnerRecord, RegisterSnapshot, StaffRecord
from consent_store.templates import load_templates


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL and foreign keys, in-memory a shared pool."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            private_file(Path(url.split("///", 1)[1]))
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def private_file(path: Path) -> None:
    """Make ``path`` readable by its owner only (0600), creating it (and a 0700 folder) if
    needed. The database holds the register, never-publish flags and password hashes;
    SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # made before this version, or by a wider umask
    except PermissionError:  # someone else's file: SQLite will say what it can't do
        pass


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back otherwise."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def split_list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(";") if p.strip())


def to_record(row: Learner) -> LearnerRecord:
    return LearnerRecord(
        upn=row.upn,
        first_name=row.first_name,
        last_name=row.last_name,
        preferred_name=row.preferred_name,
        aliases=split_list(row.aliases),
        year_group=row.year_group,
        photo_channels=frozenset(split_list(row.photo_channels)),
        name_consent=row.name_consent,  # type: ignore[arg-type]
        biometric_consent=row.biometric_consent,
        biometric_objection=row.biometric_objection,
        never_publish=row.never_publish,
        consent_expires=row.consent_expires,
        left=row.left,
    )


# Every path that changes a learner sets ``updated_at``; staff rows are few and read
# whole; templates are counted and dated. Any change to the register changes this.
# Raw SQL passes the scope listener by: these name their school themselves.
_FINGERPRINT = text(
    "SELECT (SELECT count(*) FROM learner WHERE school_id = :s), "
    "(SELECT max(updated_at) FROM learner WHERE school_id = :s), "
    "(SELECT count(*) FROM face_template WHERE school_id = :s), "
    "(SELECT max(id) FROM face_template WHERE school_id = :s), "
    "(SELECT max(created_at) FROM face_template WHERE school_id = :s)"
)
_STAFF = text("SELECT title, first_name, last_name FROM staff_member WHERE school_id = :s "
              "ORDER BY id")


def register_fingerprint(session: Session) -> str:
    """The register's version, read in two cheap queries without loading it.

    Drafts record the version they were checked against; a decision on a draft
    whose version is no longer the current one needs a re-check first.
    """
    conn = session.connection()
    school = {"s": current_school_id()}
    rows = (school["s"], tuple(conn.execute(_FINGERPRINT, school).one()),
            tuple(map(tuple, conn.execute(_STAFF, school))))
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def load_snapshot(session: Session, today: date | None = None, *,
                  key: bytes | None) -> RegisterSnapshot:
    """The whole register as moderation reads it; ``key`` opens the face templates
    (None: the register without them, for checks that look at no faces)."""
    version = register_fingerprint(session)
    learners = tuple(to_record(r) for r in session.exec(select(Learner).order_by(Learner.upn)))
    staff_rows = session.exec(select(StaffMember).order_by(StaffMember.id))  # type: ignore[arg-type]
    staff = tuple(StaffRecord(s.title, s.first_name, s.last_name) for s in staff_rows)
    # Face templates only of learners who may be matched: consent, no objection, on roll.
    matchable = [rec.upn for rec in learners if rec.may_match_face()]
    templates = (load_templates(session=session, upns=matchable, key=key) if key is not None
                 else FaceTemplateSet())
    return RegisterSnapshot(
        learners=learners, staff=staff, templates=templates, as_of=today or date.today(),
        version=version,
    )
