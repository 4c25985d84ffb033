"""Taking a backup (``secondlook backup DIR``) and putting one back (``secondlook restore``).

A backup verifies the audit chain *of the copy* and records that head in the manifest,
in the live database and in the head file outside it; a later ``audit verify`` on a
database rolled back past it fails. A restore checks the copy against its manifest
(SHA-256, then the audit chain against the recorded head) before anything is replaced,
and the key against the recorded fingerprint.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from consent_store.crypto import CryptoError, decode_key, key_fingerprint
from consent_store.models import utcnow
from secondlook import instance_state, keys
from secondlook.audit_heads import remember, remember_school_heads
from secondlook.backup import copying
from secondlook.backup.manifest import BackupError, Manifest, file_sha256
from secondlook.workflow import audit

SQLITE_FILE = "secondlook.db"
PG_FILE = "secondlook.pgdump"
KEY_FILE = "data.key"


@dataclass(frozen=True)
class _Facts:
    """What a database (or a copy of it) holds, read in one transaction."""

    schema: str
    instance_id: str
    fingerprint: str | None
    sealed: dict[str, int]
    verification: audit.Verification


def _facts(session: Session) -> _Facts:
    schema = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return _Facts(
        schema=str(schema),
        instance_id=instance_state.get(session, instance_state.INSTANCE_ID) or "",
        fingerprint=instance_state.get(session, instance_state.KEY_FINGERPRINT),
        sealed=keys.sealed_counts(session),
        verification=audit.verify(session=session),
    )


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} already exists and is not empty: give a new folder for "
                          "each backup (e.g. one named by the date)")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _copy_out(engine: Engine, folder: Path) -> tuple[str, _Facts]:
    if engine.dialect.name == "sqlite":
        copying.sqlite_copy(engine, folder / SQLITE_FILE)
        copy = copying.plain_sqlite(folder / SQLITE_FILE)
        try:
            with Session(copy) as session:
                return SQLITE_FILE, _facts(session)
        finally:
            copy.dispose()
    if engine.dialect.name == "postgresql":
        with copying.pg_snapshot(engine) as (conn, snapshot):
            with Session(bind=conn) as session:
                facts = _facts(session)  # the same snapshot the dump reads
            copying.pg_dump(engine.url, snapshot, folder / PG_FILE)
        return PG_FILE, facts
    raise BackupError(f"backups of {engine.dialect.name} databases are not supported")


def make_backup(*, engine: Engine, key: bytes | None, folder: Path, home: Path,
                key_out: Path | None = None, with_key: bool = True) -> Manifest:
    """Copy the database into ``folder`` (new or empty) while it is in use; ``key`` None:
    the key stays out and the manifest names the fingerprint the database recorded."""
    _prepare_folder(folder)
    name, facts = _copy_out(engine, folder)
    fp = key_fingerprint(key) if key is not None else facts.fingerprint
    if facts.fingerprint not in (None, fp) and any(facts.sealed.values()):
        raise BackupError(f"the copy's data is sealed with key {facts.fingerprint}, not the "
                          f"configured key {fp} (was the key rotated during the backup?); "
                          "take the backup again")
    key_file = _write_key(folder, key, key_out) if with_key and key is not None else None
    result = facts.verification
    manifest = Manifest(
        created_at=utcnow().isoformat(timespec="seconds"), database=engine.dialect.name,
        file=name, sha256=file_sha256(folder / name), schema=facts.schema,
        instance_id=facts.instance_id, audit_entries=result.entries,
        audit_head=result.head_sha256, key_fingerprint=fp, key_file=key_file,
        sealed=facts.sealed, audit_problems=[str(p) for p in result.problems])
    manifest.write(folder)
    _record_backup(engine, home, folder, result)
    return manifest


def _write_key(folder: Path, key: bytes, key_out: Path | None) -> str | None:
    import base64

    target = key_out or folder / KEY_FILE
    try:
        keys.write_key_file(target, base64.b64encode(key).decode())
    except FileExistsError as exc:
        raise BackupError(f"{target} already exists; give another --key-out") from exc
    return KEY_FILE if key_out is None else None


def _record_backup(engine: Engine, home: Path, folder: Path,
                   result: audit.Verification) -> None:
    """The live log notes the backup, and the copy's head becomes the last one recorded."""
    database = engine.url.render_as_string(hide_password=True)
    with Session(engine) as session:
        audit.append(session=session, actor=None, action="backup", detail={
            "file": str(folder), "position": result.entries, "head": result.head_sha256})
        session.commit()
        if result.ok:
            remember(session=session, home=home, database=database,
                     source=f"backup {folder}", result=result)


@dataclass(frozen=True)
class RestoreOutcome:
    manifest: Manifest
    replaced: str  # what the database held before, in words
    kept: Path | None  # where a backup of the replaced database was made first
    entries: int  # entries verified after the restore (the restore's own entry included)
    key_written: Path | None


def restore_backup(*, folder: Path, url: str, home: Path, key_text: str | None,
                   env_key: str | None, force: bool) -> RestoreOutcome:
    """Check the backup whole, then put it in place of the database at ``url``."""
    from consent_store.db import make_engine

    manifest = Manifest.read(folder)
    copy = folder / manifest.file
    _check_sha(manifest, copy)
    key = _backup_key(manifest, folder, key_text, env_key, home)
    engine = make_engine(url)
    try:
        replaced, kept = _keep_current(engine, home, force)
        if manifest.database == "sqlite":
            _restore_sqlite(engine, manifest, copy)
        else:
            _restore_postgres(engine, manifest, copy)
        key_written = None if env_key else _put_key(home, key)
        entries = _verify_restored(engine, manifest, home, folder, replaced)
    finally:
        engine.dispose()
    return RestoreOutcome(manifest, replaced, kept, entries, key_written)


def _check_sha(manifest: Manifest, copy: Path) -> None:
    if not copy.exists():
        raise BackupError(f"{copy} is missing: the backup folder is incomplete")
    if file_sha256(copy) != manifest.sha256:
        raise BackupError(f"{copy} is not the file the backup wrote (its SHA-256 differs from "
                          "manifest.json): it was changed or damaged; use another backup")


def _backup_key(manifest: Manifest, folder: Path, key_text: str | None,
                env_key: str | None, home: Path) -> bytes:
    """The key the backup needs — given with --key, beside it, or configured — checked
    against the fingerprint in its manifest."""
    beside = folder / manifest.key_file if manifest.key_file else None
    current = home / keys.KEY_FILE
    for raw, where in ((key_text, "--key"),
                       (beside.read_text() if beside and beside.exists() else None, str(beside)),
                       (env_key, "SECONDLOOK_DATA_KEY"),
                       (current.read_text() if current.exists() else None, str(current))):
        if raw is None:
            continue
        if where == str(current) and _fingerprint(raw) != manifest.key_fingerprint:
            continue  # only a guess: the key already here
        key = _decode(raw, where)
        if manifest.key_fingerprint not in (None, key_fingerprint(key)):
            raise BackupError(f"{where} holds key {key_fingerprint(key)}, but the backup was "
                              f"sealed with {manifest.key_fingerprint}")
        if env_key is not None and _decode(env_key, "SECONDLOOK_DATA_KEY") != key:
            raise BackupError("SECONDLOOK_DATA_KEY holds another key than the backup's "
                              f"({manifest.key_fingerprint}): set it to the backup's key, then "
                              "restore again")
        return key
    raise BackupError(f"the backup's data key (fingerprint {manifest.key_fingerprint}) is not "
                      f"in {folder}: give it with --key FILE (it was written apart, with "
                      "--key-out)")


def _fingerprint(raw: str) -> str | None:
    try:
        return key_fingerprint(decode_key(raw, "key"))
    except CryptoError:
        return None


def _decode(raw: str, where: str) -> bytes:
    try:
        return decode_key(raw, where)
    except CryptoError as exc:
        raise BackupError(str(exc)) from exc


def _keep_current(engine: Engine, home: Path, force: bool) -> tuple[str, Path | None]:
    """What the database holds now, and a backup of it made first (nothing is lost by a
    restore); ``force`` replaces it even if that backup cannot be made."""
    try:
        with Session(engine) as session:
            entries = int(session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one())
            learners = int(session.execute(text("SELECT count(*) FROM learner")).scalar_one())
    except Exception:  # noqa: BLE001 - no such table: nothing to lose
        return "an empty or uninitialised database", None
    held = f"a database with {learners} learner(s) and {entries} audit entries"
    if not (entries or learners):
        return held, None
    folder = home / f"before-restore-{utcnow():%Y%m%dT%H%M%S%f}"
    try:
        make_backup(engine=engine, key=None, folder=folder, home=home)
    except Exception as exc:  # noqa: BLE001 - any failure: say it, replace only if forced
        if force:
            return held + " (no copy could be kept)", None
        raise BackupError(f"the database to be replaced ({held}) could not be backed up first "
                          f"({exc}); fix that, or restore with --force to replace it without "
                          "a copy") from exc
    return held, folder


def _restore_sqlite(engine: Engine, manifest: Manifest, copy: Path) -> None:
    target = copying.sqlite_path(engine.url)
    staged = target.with_name(f".{target.name}.restoring")
    staged.unlink(missing_ok=True)
    staged.parent.mkdir(parents=True, exist_ok=True)
    copying.private_file(staged)
    shutil.copyfile(copy, staged)
    try:
        staged_engine = copying.plain_sqlite(staged)
        try:
            with Session(staged_engine) as session:
                _check_against_manifest(_facts(session), manifest)
        finally:
            staged_engine.dispose()
        engine.dispose()
        copying.sqlite_put_back(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def _restore_postgres(engine: Engine, manifest: Manifest, dump: Path) -> None:
    engine.dispose()
    copying.pg_restore(engine.url, dump)
    with Session(engine) as session:
        _check_against_manifest(_facts(session), manifest)


def _check_against_manifest(facts: _Facts, manifest: Manifest) -> None:
    result = facts.verification
    problems = [str(p) for p in result.problems]
    if (result.entries, result.head_sha256, problems) != \
            (manifest.audit_entries, manifest.audit_head, manifest.audit_problems):
        raise BackupError(
            f"the backup's audit log ends at entry {result.entries} (head "
            f"{result.head_sha256[:16]}…), but its manifest recorded entry "
            f"{manifest.audit_entries} (head {manifest.audit_head[:16]}…): the copy is not the "
            "one that was backed up; use another backup")


def _put_key(home: Path, key: bytes) -> Path | None:
    """The key file under home becomes the backup's key (a different one is kept aside)."""
    import base64

    path = home / keys.KEY_FILE
    if path.exists():
        try:
            if decode_key(path.read_text(), str(path)) == key:
                return None
        except CryptoError:
            pass
        aside = path.with_name(f"{keys.KEY_FILE}.before-restore-{utcnow():%Y%m%dT%H%M%S}")
        os.replace(path, aside)
    keys.write_key_file(path, base64.b64encode(key).decode())
    return path


def _verify_restored(engine: Engine, manifest: Manifest, home: Path, folder: Path,
                     replaced: str) -> int:
    """Migrate, log the restore, verify, and make the restored head the recorded one."""
    from secondlook.database import migrate

    migrate(engine)
    database = engine.url.render_as_string(hide_password=True)
    with Session(engine) as session:
        audit.append(session=session, actor=None, action="restore", detail={
            "file": str(folder), "position": manifest.audit_entries,
            "head": manifest.audit_head, "note": f"replaced {replaced}"})
        session.commit()
        result = audit.verify(session=session)
        if not result.ok:
            raise BackupError("the restored audit log does not verify: "
                              + "; ".join(map(str, result.problems)))
        remember(session=session, home=home, database=database,
                 source=f"restore {folder}", result=result)
        remember_school_heads(session=session, home=home, database=database,
                              source=f"restore {folder}")
        return result.entries
