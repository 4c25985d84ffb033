"""The last audit head a verification or backup saw, kept outside the database.

A database file rolled back to an older copy takes its own records with it; this file,
under ``SECONDLOOK_HOME`` (``audit-heads.json``, mode 0600), does not. It is keyed by the
database's instance id, so one home can serve several databases (and a fresh database is
not compared with an old one's head). Each backup folder's manifest holds the head too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlmodel import Session

from consent_store.models import utcnow
from secondlook import instance_state
from secondlook.workflow import audit
from secondlook.workflow.audit import RecordedHead

HEAD_FILE = "audit-heads.json"


def head_file(home: Path) -> Path:
    return home / HEAD_FILE


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
                      record: bool = True) -> audit.Verification:
    """Verify the chain against the heads recorded in the database and in the head file;
    if it is intact, record its head in both (the database first, committed)."""
    instance = instance_state.instance_id(session)
    path = head_file(home)
    outside = read_head(path, instance)
    result = audit.verify(session=session, heads=[outside] if outside else [])
    if result.ok and record:
        remember(session=session, home=home, database=database, source=source, result=result)
    return result


def remember(*, session: Session, home: Path, database: str, source: str,
             result: audit.Verification) -> None:
    """Record ``result``'s head as the last one seen, in the database and the head file."""
    audit.record_head(session=session, result=result, source=source)
    session.commit()
    write_head(head_file(home), instance_state.instance_id(session), position=result.entries,
               sha256=result.head_sha256, source=source, database=database)
