"""The register snapshot that drafts are checked against, read once per register change.

Reading the whole register (and decrypting face templates) costs 50-100 ms for
2,000 learners, and the name matcher built on a snapshot another 100 ms; a live
check while the author types must not pay that every time. So snapshots are
cached per database and school, under the register's version (a cheap fingerprint
of the register tables, ``consent_store.db.register_fingerprint``) and the day.

Each school keeps only its latest snapshot: when its register changes (a withdrawal,
an import) the old one, with its decrypted templates, is dropped at the next check
rather than lingering beside the new one. A trust's schools each keep theirs, so
authors at fifty schools checking in turn do not reread and re-index one another's
registers (``bench/bench_trust.py``); past ``_SCHOOLS_KEPT`` schools the one checked
longest ago goes. Snapshots live in this process's memory only, never on disk.

Every staff account counts as staff: the names people sign in under are added to the
imported staff-name list, so an author's own "Mrs Jones" is never an unknown person.
The register's version covers those names too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from datetime import date

from sqlmodel import Session, col, select

from consent_store.db import load_snapshot, register_fingerprint
from consent_store.scope import current_school_id
from consent_store.snapshot import RegisterSnapshot, StaffRecord
from consent_store.staff import staff_from_name
from secondlook.accounts.models import User

_SCHOOLS_KEPT = 64  # one snapshot per school: a trust's schools, not every version
# (database, school) -> (register version, day, snapshot)
_cache: OrderedDict[tuple[str, int], tuple[str, date, RegisterSnapshot]] = OrderedDict()
_lock = threading.Lock()


def current_snapshot(session: Session, today: date | None = None, *,
                     key: bytes) -> RegisterSnapshot:
    """Today's register as stored, from the cache when the tables have not changed."""
    day = today or date.today()
    accounts = account_names(session)
    version = _version(session, accounts)
    where = (str(session.connection().engine.url), current_school_id())
    with _lock:
        hit = _cache.get(where)
        if hit is not None and hit[:2] == (version, day):
            _cache.move_to_end(where)
            return hit[2]
    snapshot = _with_accounts(load_snapshot(session, day, key=key), accounts, version)
    with _lock:
        _cache[where] = (version, day, snapshot)
        _cache.move_to_end(where)
        while len(_cache) > _SCHOOLS_KEPT:
            _cache.popitem(last=False)
    return snapshot


def cached_schools() -> int:
    """How many schools' snapshots this process holds (for tests)."""
    with _lock:
        return len(_cache)


def stored_snapshot(session: Session, today: date | None = None, *,
                    key: bytes | None) -> RegisterSnapshot:
    """The register as stored, with the staff accounts, read afresh (no cache)."""
    accounts = account_names(session)
    return _with_accounts(load_snapshot(session, today, key=key), accounts,
                          _version(session, accounts))


def register_version(session: Session) -> str:
    """The current register's version (it does not depend on the day, nor need the key)."""
    return _version(session, account_names(session))


def account_names(session: Session) -> tuple[str, ...]:
    """The names of this school's staff accounts (anyone with a role here)."""
    users = session.exec(select(User).order_by(col(User.id)))
    return tuple(u.display_name for u in users if u.role_set())


def _version(session: Session, accounts: tuple[str, ...]) -> str:
    blob = repr((register_fingerprint(session), accounts)).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _with_accounts(snapshot: RegisterSnapshot, accounts: tuple[str, ...],
                   version: str) -> RegisterSnapshot:
    extra: tuple[StaffRecord, ...] = tuple(staff_from_name(n) for n in accounts)
    return dataclasses.replace(snapshot, staff=snapshot.staff + extra, version=version)
