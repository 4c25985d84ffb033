"""Where the data key comes from: ``SECONDLOOK_DATA_KEY``, or the key file under home;
and the check that it is the key the database's data was sealed with.

The key (32 bytes, AES-256-GCM) seals face templates, reference photos and
channel tokens. It is read here, at the edge, and handed to ``consent_store``
as bytes. The key file is created with mode 0600; two processes starting
together never write two different keys (O_EXCL).

A lost or wrong key must never be replaced silently: faces would then "not match" and
releases fail. The database keeps the key's fingerprint (``instance_state``).
``open_data_key`` — run by every command and the server before anything else — refuses
a missing key file or a different key while the database holds anything sealed, naming
the file and the fix. A new key is made only for a database that holds nothing sealed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from consent_store.crypto import CryptoError, decode_key, decrypt, key_fingerprint, new_key_text
from secondlook import instance_state
from secondlook.config import Settings

log = logging.getLogger(__name__)
KEY_FILE = "data.key"
PENDING_SUFFIX = ".new"  # a rotation writes the new key here before the database changes
SEALED_TABLES = {"face_template": "face template(s)", "reference_photo": "reference photo(s)",
                 "channel_credential": "channel credential(s)"}


class DataKeyRefused(CryptoError):
    """The key is missing or is not the database's key; the message names the fix."""


def key_path(settings: Settings) -> Path:
    return settings.home / KEY_FILE


def pending_path(settings: Settings) -> Path:
    return key_path(settings).with_name(KEY_FILE + PENDING_SUFFIX)


def key_source(settings: Settings) -> str:
    return "SECONDLOOK_DATA_KEY" if settings.data_key else str(key_path(settings))


def write_key_file(path: Path, key_text: str) -> None:
    """A new key file, mode 0600, never over an existing one (FileExistsError).

    Written in full under a temporary name, then linked into place: a process starting at
    the same moment finds either no file or the whole key, never an empty one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(key_text.strip() + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # fails if the file exists, as O_EXCL would
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: create it in place
            _write_exclusive(path, key_text)
    finally:
        os.unlink(tmp)


def _write_exclusive(path: Path, key_text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key_text.strip() + "\n")
        out.flush()
        os.fsync(out.fileno())


def _key_file(path: Path) -> bytes:
    if not path.exists():
        try:
            write_key_file(path, new_key_text())
        except FileExistsError:
            pass
    return decode_key(path.read_text(), str(path))


def data_key(settings: Settings) -> bytes:
    """The configured key; raises ``CryptoError`` naming the setting or file at fault.

    This reads (or, with no file, makes) the key without looking at the database: the
    commands and the server call ``open_data_key`` first, which does.
    """
    if settings.data_key:
        return decode_key(settings.data_key, "SECONDLOOK_DATA_KEY")
    return _key_file(key_path(settings))


def sealed_counts(session: Session) -> dict[str, int]:
    conn = session.connection()
    return {table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in SEALED_TABLES}


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {SEALED_TABLES[t]}" for t, n in counts.items() if n) or "nothing"


def open_data_key(settings: Settings, engine: Engine) -> bytes:
    """The data key, checked against the database; records its fingerprint when new."""
    url = engine.url.render_as_string(hide_password=True)
    for attempt in range(2):
        with Session(engine) as session:
            counts = sealed_counts(session)
            stored = instance_state.get(session, instance_state.KEY_FINGERPRINT)
            key = _present_key(settings, stored, counts, url)
            try:
                _match(session, key, stored, counts, settings, url)
                session.commit()
            except IntegrityError:  # another process recorded it at the same moment:
                if attempt:  # look again, and compare with what it recorded
                    raise
                continue
        return key
    raise AssertionError("unreachable")


def _present_key(settings: Settings, stored: str | None, counts: dict[str, int],
                 url: str) -> bytes:
    if settings.data_key:
        return decode_key(settings.data_key, "SECONDLOOK_DATA_KEY")
    path, pending = key_path(settings), pending_path(settings)
    if pending.exists() and stored and _fingerprint_of(pending) == stored:
        # A rotation committed its new key to the database but stopped before the rename.
        os.replace(pending, path)
        log.warning("key rotation completed: %s replaced by the new key", path)
    if not path.exists() and any(counts.values()):
        raise DataKeyRefused(
            f"the data key file {path} is missing, but the database {url} holds data sealed "
            f"with a key (fingerprint {stored or 'not recorded'}): {describe(counts)}. Put "
            f"the backed-up data.key back at {path} (mode 0600), or set SECONDLOOK_DATA_KEY "
            "to it; a new key could not open that data. If the key is lost for good, "
            "`secondlook key reset --delete-sealed-data` deletes the sealed data and makes "
            "a new key (learners are enrolled again, channel tokens entered again)")
    return _key_file(path)


def _fingerprint_of(path: Path) -> str | None:
    try:
        return key_fingerprint(decode_key(path.read_text(), str(path)))
    except (CryptoError, OSError):
        return None


def _match(session: Session, key: bytes, stored: str | None, counts: dict[str, int],
           settings: Settings, url: str) -> None:
    fp = key_fingerprint(key)
    if stored == fp:
        return
    if any(counts.values()) and (stored is not None or not _opens_a_sealed_value(session, key)):
        raise DataKeyRefused(
            f"the data key in {key_source(settings)} (fingerprint {fp}) is not the key the "
            f"database {url} was sealed with (fingerprint {stored or 'not recorded'}); "
            f"{describe(counts)} could not be opened. Put the right key back in "
            f"{key_source(settings)}: a backup folder holds its key as data.key, with the "
            "fingerprint in its manifest.json. Nothing was started")
    if stored is not None:
        log.warning("the database holds nothing sealed: data key fingerprint %s replaces %s",
                    fp, stored)
    instance_state.put(session, instance_state.KEY_FINGERPRINT, fp)


def _opens_a_sealed_value(session: Session, key: bytes) -> bool:
    """A database from before fingerprints: does the key open one of its sealed values?

    Read straight from the tables (this module sits below the ones that own them):
    a face template, else a channel credential, sealed to ``channel:<name>``.
    """
    from consent_store.templates import sealed_rows as template_rows

    first = next(iter(template_rows(session=session, batch=1)), None)
    if first is not None:
        sealed, context = first[0].sealed, first[1]
    else:
        row = session.connection().execute(text(
            "SELECT channel, sealed FROM channel_credential ORDER BY channel LIMIT 1")).first()
        if row is None:
            return False
        sealed, context = bytes(row[1]), f"channel:{row[0]}"
    try:
        decrypt(sealed, key=key, bound_to=context)
    except CryptoError:
        return False
    return True


def confirm_key(*, session: Session, key: bytes) -> None:
    """Before sealing a value: ``key`` must be the database's key (records it if none is).

    Catches a server that kept an old key in memory after the key file was replaced.
    """
    fp, stored = key_fingerprint(key), instance_state.get(session, instance_state.KEY_FINGERPRINT)
    if stored is None:
        instance_state.put(session, instance_state.KEY_FINGERPRINT, fp)
    elif stored != fp:
        raise DataKeyRefused(
            f"this process's data key (fingerprint {fp}) is not the database's key "
            f"(fingerprint {stored}): restart it so it reads the current key; nothing was "
            "stored")
