"""The last audit head a verification, a backup or the running server saw, kept outside
the database.

A database file rolled back to an older copy takes its own records with it; this file,
under ``SECONDLOOK_HOME`` (``audit-heads.json``, mode 0600), does not. It is keyed by the
database's instance id, so one home can serve several databases (and a fresh database is
not compared with an old one's head). Each backup folder's manifest holds the head too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from consent_store.models import utcnow
from secondlook import instance_state
from secondlook.workflow import audit
from secondlook.workflow.audit import RecordedHead
from secondlook.workflow.models import AuditHead, AuditSchoolHead

log = logging.getLogger(__name__)
HEAD_FILE = "audit-heads.json"


def head_file(home: Path) -> Path:
    return home / HEAD_FILE


def chain_key(instance: str, school_id: int | None) -> str:
    """The head file's key for a database's trust-wide chain, or for one school's."""
    return instance if school_id is None else f"{instance}/school/{school_id}"


def read_head(path: Path, instance: str) -> RecordedHead | None:
    """The head recorded for this database, or None (no file, or never recorded)."""
    try:
        entry = json.loads(path.read_text()).get(instance)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read ({exc}); it records the audit log's last "
                         "verified head: restore it from a backup, or move it away to start "
                         "afresh") from exc
    if not entry:
        return None
    return RecordedHead(int(entry["position"]), str(entry["sha256"]), str(entry["recorded_at"]),
                        str(entry["source"]), str(path))


def write_head(path: Path, instance: str, *, position: int, sha256: str, source: str,
               database: str) -> None:
    """Replace this database's recorded head, atomically (a temporary file, then rename)."""
    try:
        heads = json.loads(path.read_text())
    except (OSError, ValueError):
        heads = {}
    heads[instance] = {"position": position, "sha256": sha256, "source": source,
                       "recorded_at": utcnow().isoformat(timespec="seconds"),
                       "database": database}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(heads, out, indent=2, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def verify_and_record(*, session: Session, home: Path, database: str, source: str,
                      record: bool = True, school_id: int | None = None) -> audit.Verification:
    """Verify the trust-wide chain (or, with ``school_id``, that school's own chain) against
    the heads recorded in the database and in the head file; if it is intact, record its
    head in both (the database first, committed)."""
    key = chain_key(instance_state.instance_id(session), school_id)
    outside = read_head(head_file(home), key)
    heads = [outside] if outside else []
    result = (audit.verify(session=session, heads=heads) if school_id is None else
              audit.verify_school(session=session, school_id=school_id, heads=heads))
    if result.ok and record:
        remember(session=session, home=home, database=database, source=source, result=result)
    return result


def remember(*, session: Session, home: Path, database: str, source: str,
             result: audit.Verification) -> None:
    """Record ``result``'s head as the last one seen, in the database and the head file."""
    audit.record_head(session=session, result=result, source=source)
    session.commit()
    write_head(head_file(home), chain_key(instance_state.instance_id(session), result.school_id),
               position=result.entries, sha256=result.head_sha256, source=source,
               database=database)


def remember_school_heads(*, session: Session, home: Path, database: str,
                          source: str) -> list[tuple[int, audit.Verification]]:
    """Record each school's own head as it now is in the database (after a restore, a
    backup or an accepted rollback), whatever the head file said before; the schools
    whose chain does not verify in the database itself are returned and not recorded."""
    from secondlook.schools import list_schools

    broken = []
    for school_id in [s.id for s in list_schools(session) if s.id is not None]:
        own = audit.verify_school(session=session, school_id=school_id)
        if own.ok:
            remember(session=session, home=home, database=database, source=source, result=own)
        else:
            broken.append((school_id, own))
    return broken


def note_live_head(*, session: Session, home: Path, database: str) -> bool:
    """Record the live head in the head file when it is beyond the recorded one.

    The running server does this every minute, so a database rolled back afterwards is
    caught even if nobody verified in between. It never moves the recorded head back:
    only ``restore`` and ``audit verify --accept-rollback`` do, and they say so in the log.
    """
    head = session.get(AuditHead, 1)
    if head is None or head.position == 0:
        return False
    instance = instance_state.instance_id(session)
    path = head_file(home)
    recorded = read_head(path, instance)
    if recorded is not None and recorded.position >= head.position:
        return False
    write_head(path, instance, position=head.position, sha256=head.entry_sha256,
               source="the running server", database=database)
    for school in session.exec(select(AuditSchoolHead)).all():  # each school's own chain too
        key = chain_key(instance, school.school_id)
        mine = read_head(path, key)
        if school.position and (mine is None or mine.position < school.position):
            write_head(path, key, position=school.position, sha256=school.entry_sha256,
                       source="the running server", database=database)
    return True


class HeadKeeper:
    """The server's thread that calls ``note_live_head`` every ``interval`` seconds."""

    def __init__(self, db: Engine, home: Path, interval: float = 60.0) -> None:
        self.db, self.home, self.interval = db, home, interval
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="audit-head", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.note()

    def note(self) -> None:
        database = self.db.url.render_as_string(hide_password=True)
        try:
            with Session(self.db) as session:
                note_live_head(session=session, home=self.home, database=database)
        except Exception:  # noqa: BLE001 - never stop the server; verification still runs
            log.exception("the audit head could not be recorded in %s", head_file(self.home))

    def _loop(self) -> None:
        while not self.stopping.wait(self.interval):
            self.note()
