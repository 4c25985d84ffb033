"""Changing the data key: rotation (every sealed value re-encrypted under a new key, in one
transaction) and, when the key is lost for good, a reset that deletes what it sealed.

Rotation is crash-safe: the new key is written to ``data.key.new`` first, then the
database is re-sealed and its fingerprint changed in one transaction, then the file is
renamed over ``data.key``. Stopped before the commit, the old key still opens everything
(the stale ``.new`` file is removed next time); stopped after it, the next start finds
that ``data.key.new`` is the database's key and finishes the rename
(``keys.open_data_key``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from consent_store.crypto import decode_key, decrypt, encrypt, key_fingerprint, new_key_text
from consent_store.db import session_scope
from consent_store.templates import purge_all_biometrics
from consent_store.templates import sealed_rows as template_rows
from secondlook import instance_state, keys
from secondlook.config import Settings
from secondlook.release.credentials import sealed_rows as credential_rows
from secondlook.release.models import ChannelCredential
from secondlook.workflow import audit


@dataclass(frozen=True)
class KeyChange:
    old_fingerprint: str | None
    new_fingerprint: str
    values: int  # re-sealed (rotation) or deleted (reset)
    new_key_file: str  # where the new key is now


def _sealed(session: Session) -> Iterator[tuple[SQLModel, str]]:
    return chain(template_rows(session=session), credential_rows(session=session))


def rotate_key(*, engine: Engine, settings: Settings, old_key: bytes) -> KeyChange:
    """Re-seal everything under a new key; the key file is replaced only after the commit."""
    new_text = new_key_text()
    new_key = decode_key(new_text, "the new key")
    pending = keys.pending_path(settings)
    pending.unlink(missing_ok=True)  # a rotation that stopped before its commit
    keys.write_key_file(pending, new_text)
    try:
        with session_scope(engine) as session:
            count = _reseal(session, old_key, new_key)
            instance_state.put(session, instance_state.KEY_FINGERPRINT, key_fingerprint(new_key))
            audit.append(session=session, actor=None, action="key.rotate", detail={
                "from": key_fingerprint(old_key), "to": key_fingerprint(new_key),
                "count": count})
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    if settings.data_key:
        return KeyChange(key_fingerprint(old_key), key_fingerprint(new_key), count, str(pending))
    os.replace(pending, keys.key_path(settings))
    return KeyChange(key_fingerprint(old_key), key_fingerprint(new_key), count,
                     str(keys.key_path(settings)))


def _reseal(session: Session, old_key: bytes, new_key: bytes) -> int:
    count = 0
    for row, context in _sealed(session):
        plain = decrypt(row.sealed, key=old_key, bound_to=context)  # type: ignore[attr-defined]
        row.sealed = encrypt(plain, key=new_key, bound_to=context)  # type: ignore[attr-defined]
        session.add(row)
        count += 1
        if count % 100 == 0:
            session.flush()
    session.flush()
    return count


def reset_key(*, engine: Engine, settings: Settings) -> KeyChange:
    """The key is lost: delete every sealed value, then make (or adopt) a new key."""
    with session_scope(engine) as session:
        old = instance_state.get(session, instance_state.KEY_FINGERPRINT)
        counts = keys.sealed_counts(session)
        purge_all_biometrics(session=session)
        session.execute(delete(ChannelCredential))
        key, where = _fresh_key(settings)
        instance_state.put(session, instance_state.KEY_FINGERPRINT, key_fingerprint(key))
        audit.append(session=session, actor=None, action="key.reset", detail={
            "from": old, "to": key_fingerprint(key), "count": sum(counts.values()),
            "note": "data key lost: " + keys.describe(counts) + " deleted"})
    return KeyChange(old, key_fingerprint(key), sum(counts.values()), where)


def _fresh_key(settings: Settings) -> tuple[bytes, str]:
    if settings.data_key:
        return decode_key(settings.data_key, "SECONDLOOK_DATA_KEY"), "SECONDLOOK_DATA_KEY"
    path = keys.key_path(settings)
    if path.exists():  # the wrong key: kept aside, never deleted
        os.replace(path, path.with_name(f"{path.name}.unusable-{os.getpid()}"))
    return keys.data_key(settings), str(path)
