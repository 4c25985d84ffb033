"""The register snapshot that drafts are checked against, read once per register change.

Reading the whole register (and decrypting face templates) costs 50-100 ms for
2,000 learners, and the name matcher built on a snapshot another 100 ms; a live
check while the author types must not pay that every time. So snapshots are
cached per database and day under the register's version, a cheap fingerprint
of the register tables (``consent_store.db.register_fingerprint``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlmodel import Session

from consent_store.db import load_snapshot, register_fingerprint
from consent_store.snapshot import RegisterSnapshot

_KEPT = 4  # snapshots hold decrypted templates: keep only a few, in memory only
_cache: OrderedDict[tuple[str, str, date], RegisterSnapshot] = OrderedDict()
_lock = threading.Lock()


def current_snapshot(session: Session, today: date | None = None, *,
                     key: bytes) -> RegisterSnapshot:
    """Today's register as stored, from the cache when the tables have not changed."""
    day = today or date.today()
    cache_key = (str(session.connection().engine.url), register_fingerprint(session), day)
    with _lock:
        hit = _cache.get(cache_key)
        if hit is not None:
            _cache.move_to_end(cache_key)
            return hit
    snapshot = load_snapshot(session, day, key=key)
    with _lock:
        _cache[cache_key] = snapshot
        while len(_cache) > _KEPT:
            _cache.popitem(last=False)
    return snapshot


def register_version(session: Session) -> str:
    """The current register's version (it does not depend on the day, nor need the key)."""
    return register_fingerprint(session)
