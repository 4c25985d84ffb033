"""The register snapshot that drafts are checked against, read once per register change.

Reading the whole register (and decrypting face templates) costs 50-100 ms for
2,000 learners, and the name matcher built on a snapshot another 100 ms; a live
check while the author types must not pay that every time. So snapshots are
cached per database and day under a cheap fingerprint of the register tables:
every app path that changes a learner sets ``updated_at``; staff rows are few
and are read whole; templates are counted and dated.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from consent_store.db import load_snapshot
from consent_store.snapshot import RegisterSnapshot

_FINGERPRINT = text(
    "SELECT (SELECT count(*) FROM learner), (SELECT max(updated_at) FROM learner), "
    "(SELECT count(*) FROM face_template), (SELECT max(id) FROM face_template), "
    "(SELECT max(created_at) FROM face_template)"
)
_STAFF = text("SELECT title, first_name, last_name FROM staff_member ORDER BY id")
_KEPT = 4  # snapshots hold decrypted templates: keep only a few, in memory only
_cache: OrderedDict[tuple[str, str, date], RegisterSnapshot] = OrderedDict()
_lock = threading.Lock()


def _fingerprint(session: Session) -> tuple[str, str]:
    conn = session.connection()
    rows = (tuple(conn.execute(_FINGERPRINT).one()), tuple(map(tuple, conn.execute(_STAFF))))
    return str(conn.engine.url), repr(rows)


def current_snapshot(session: Session, today: date | None = None) -> RegisterSnapshot:
    """Today's register as stored, from the cache when the tables have not changed."""
    day = today or date.today()
    key = (*_fingerprint(session), day)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    snapshot = load_snapshot(session, day)
    with _lock:
        _cache[key] = snapshot
        while len(_cache) > _KEPT:
            _cache.popitem(last=False)
    return snapshot


def register_version(session: Session) -> str:
    """The current register's version (it does not depend on the day)."""
    return current_snapshot(session).version
