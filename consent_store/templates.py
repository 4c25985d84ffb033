"""Encrypted face templates and the reference photos they were made from.

Both are stored only for learners with biometric consent and no objection,
encrypted and bound to the learner's UPN (see ``consent_store.crypto``).
Withdrawal, an objection or leaving calls ``purge_biometrics``, which deletes
them so that the bytes are gone from the database file too, not only hidden.
Faces seen in draft photos are never stored here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

import numpy as np
from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, delete, text
from sqlmodel import Field, Session, SQLModel, col, select

from consent_store.crypto import CryptoError, decrypt, encrypt
from consent_store.models import school_field, utcnow
from consent_store.snapshot import FaceTemplateSet

log = logging.getLogger(__name__)
ENCODING_SIZE = 128


class ReferencePhoto(SQLModel, table=True):
    """A photo a learner was enrolled from: metadata-free, encrypted."""

    __tablename__ = "reference_photo"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    upn: str = Field(
        sa_column=Column(String(13), ForeignKey("learner.upn", ondelete="CASCADE"), index=True,
                         nullable=False)
    )
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)  # of the stored (clean) photo: refuses duplicates
    created_at: datetime = Field(default_factory=utcnow)


class FaceTemplate(SQLModel, table=True):
    """One face encoding (128 float64), encrypted; made from one reference photo."""

    __tablename__ = "face_template"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    upn: str = Field(
        sa_column=Column(String(13), ForeignKey("learner.upn", ondelete="CASCADE"), index=True,
                         nullable=False)
    )
    photo_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("reference_photo.id", ondelete="CASCADE"), nullable=False
        )
    )
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class FaceTemplatePublic(SQLModel):
    """What a page may show about a template: never the encoding or the photo."""

    id: int
    upn: str
    created_at: datetime


def _template_context(upn: str) -> str:
    return f"face-template:{upn}"


def _photo_context(upn: str) -> str:
    return f"reference-photo:{upn}"


def add_template(
    *, session: Session, upn: str, encoding: np.ndarray, photo: bytes, key: bytes,
) -> FaceTemplate:
    """Store one reference photo and its face encoding, both encrypted to ``upn``."""
    vector = np.asarray(encoding, dtype="<f8").reshape(ENCODING_SIZE)
    ref = ReferencePhoto(
        upn=upn, sealed=encrypt(photo, key=key, bound_to=_photo_context(upn)),
        sha256=hashlib.sha256(photo).hexdigest(),
    )
    session.add(ref)
    session.flush()
    assert ref.id is not None  # set by the flush
    template = FaceTemplate(
        upn=upn, photo_id=ref.id,
        sealed=encrypt(vector.tobytes(), key=key, bound_to=_template_context(upn)),
    )
    session.add(template)
    session.flush()
    return template


def has_photo(*, session: Session, upn: str, sha256: str) -> bool:
    found = session.exec(
        select(ReferencePhoto.id).where(ReferencePhoto.upn == upn, ReferencePhoto.sha256 == sha256)
    ).first()
    return found is not None


def list_templates(*, session: Session, upn: str) -> list[FaceTemplatePublic]:
    rows = session.exec(
        select(FaceTemplate).where(FaceTemplate.upn == upn).order_by(col(FaceTemplate.id))
    )
    return [FaceTemplatePublic(id=r.id or 0, upn=r.upn, created_at=r.created_at) for r in rows]


def load_templates(
    *, session: Session, upns: Iterable[str], key: bytes
) -> FaceTemplateSet:
    """Decrypted encodings of the given learners, in memory only.

    A template that cannot be decrypted (key changed, row tampered with) is left
    out and logged: its learner's faces then show as unknown and need a person.
    """
    wanted = set(upns)
    if not wanted:
        return FaceTemplateSet()
    rows = session.exec(
        select(FaceTemplate)
        .where(col(FaceTemplate.upn).in_(wanted))
        .order_by(col(FaceTemplate.upn), col(FaceTemplate.id))
    )
    owners, vectors = [], []
    for row in rows:
        try:
            plain = decrypt(row.sealed, key=key, bound_to=_template_context(row.upn))
        except CryptoError as exc:
            log.error("face template %s skipped: %s", row.id, exc)
            continue
        owners.append(row.upn)
        vectors.append(np.frombuffer(plain, dtype="<f8"))
    if not vectors:
        return FaceTemplateSet()
    return FaceTemplateSet(tuple(owners), np.vstack(vectors))


def purge_biometrics(*, session: Session, upn: str) -> int:
    """Delete every template and reference photo of ``upn``; returns how many photos went.

    Call it when biometric consent is withdrawn, an objection is recorded or the
    learner leaves. On SQLite the freed pages are overwritten (secure_delete),
    so the encrypted bytes do not linger in the file.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    session.execute(delete(FaceTemplate).where(FaceTemplate.upn == upn))  # type: ignore[arg-type]
    result = session.execute(
        delete(ReferencePhoto).where(ReferencePhoto.upn == upn)  # type: ignore[arg-type]
    )
    session.flush()
    removed = int(getattr(result, "rowcount", 0) or 0)
    if removed:
        log.info("biometric data of %s deleted (%d reference photo(s))", upn, removed)
    return removed


def sealed_rows(*, session: Session,
                batch: int = 100) -> Iterator[tuple[ReferencePhoto | FaceTemplate, str]]:
    """Every encrypted row here (photos, then templates) with the context it is bound to,
    a batch at a time: what a key rotation re-encrypts. The caller may change ``sealed``."""
    yield from _paged(session, ReferencePhoto, _photo_context, batch)
    yield from _paged(session, FaceTemplate, _template_context, batch)


_Sealed = TypeVar("_Sealed", ReferencePhoto, FaceTemplate)


def _paged(session: Session, table: type[_Sealed], context: Callable[[str], str],
           batch: int) -> Iterator[tuple[_Sealed, str]]:
    after = 0
    while True:
        query = select(table).where(col(table.id) > after).order_by(col(table.id))
        rows = list(session.exec(query.limit(batch)))
        for row in rows:
            yield row, context(row.upn)
        if len(rows) < batch:
            return
        after = rows[-1].id or 0


def purge_all_biometrics(*, session: Session) -> int:
    """Delete every template and reference photo (a lost data key); returns the photo count."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    session.execute(delete(FaceTemplate))
    result = session.execute(delete(ReferencePhoto))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
