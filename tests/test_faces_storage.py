"""Encrypted templates and reference photos: enrolment rules, snapshot, purge (bytes gone)."""

from __future__ import annotations

import io
import os
import stat
from datetime import date
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image
from sqlalchemy import text
from sqlmodel import Session, select

from consent_store.crypto import CryptoError, decrypt
from consent_store.db import load_snapshot, session_scope
from consent_store.models import Learner
from consent_store.templates import (
    FaceTemplate,
    ReferencePhoto,
    add_template,
    load_templates,
    purge_biometrics,
)
from moderation.draft import Draft, DraftImage
from moderation.options import CheckOptions
from moderation.pipeline import check
from secondlook.config import get_settings
from secondlook.enrolment import EnrolmentError, ReferencePhotoUpload
from secondlook.enrolment import enrol as enrol_with
from secondlook.keys import data_key
from tests.face_support import FakeBackend, identity, painted
from tests.image_support import fake_engine

TODAY = date(2026, 11, 25)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("SECONDLOOK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SECONDLOOK_DATA_KEY", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def key(home: Path) -> bytes:
    """The data key as a command reads it at the edge: here the key file under home."""
    return data_key(get_settings())


OPTIONS = CheckOptions(face_workers=1)


def enrol(*, key: bytes, **kw) -> object:  # noqa: ANN003
    return enrol_with(key=key, options=OPTIONS, **kw)


def _learners(session: Session) -> None:
    base = dict(year_group="Year 5", name_consent="first", photo_channels="classdojo")
    session.add(Learner(upn="A100000000001", first_name="Amelia", last_name="Thompson",
                        biometric_consent=True, **base))
    session.add(Learner(upn="A100000000002", first_name="Leo", last_name="Thompson",
                        biometric_consent=True, **base))
    session.add(Learner(upn="A100000000003", first_name="Mia", last_name="Shah",
                        biometric_consent=True, biometric_objection=True, **base))
    session.add(Learner(upn="A100000000004", first_name="Kai", last_name="Lee", **base))
    session.flush()


def _photo(who: int, exif: bool = False) -> ReferencePhotoUpload:
    data = painted((120, 120), [(who, 30, 30, 50)])
    if exif:
        gps = {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((51, 1),) * 3}
        out = io.BytesIO()
        Image.open(io.BytesIO(data)).save(
            out, format="PNG", exif=piexif.dump({"GPS": gps, "0th": {}, "Exif": {}})
        )
        data = out.getvalue()
    return ReferencePhotoUpload(f"face{who}.png", data)


def test_key_file_is_created_private_and_reused(sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        add_template(session=session, upn="A100000000001", encoding=identity(7), photo=b"x",
                     key=key)
    assert stat.S_IMODE(os.stat(home / "data.key").st_mode) == 0o600
    again = data_key(get_settings())  # a second command reads the same file
    with Session(sqlite_db) as session:
        assert len(load_templates(session=session, upns=["A100000000001"], key=again)) == 1


def test_a_bad_data_key_is_refused_with_what_to_do(home, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SECONDLOOK_DATA_KEY", "not base64!")
    get_settings.cache_clear()
    with pytest.raises(CryptoError, match="SECONDLOOK_DATA_KEY is not base64"):
        data_key(get_settings())


def test_template_moved_to_another_learner_does_not_decrypt(sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        add_template(session=session, upn="A100000000001", encoding=identity(7), photo=b"x",
                     key=key)
        row = session.exec(select(FaceTemplate)).one()
        assert np.frombuffer(row.sealed, dtype=np.uint8).size > 1000  # stored encrypted
        row.upn = "A100000000002"  # copied onto her brother's record
        session.add(row)
    with Session(sqlite_db) as session:
        assert len(load_templates(session=session, upns=["A100000000002"], key=key)) == 0


def test_enrolment_refused_without_consent_with_objection_left_or_unknown(
        sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        session.get(Learner, "A100000000002").left = True
    cases = {"A100000000003": "objects", "A100000000004": "no biometric consent",
             "A100000000002": "has left the school", "Z999": "not in the register"}
    for upn, reason in cases.items():
        with Session(sqlite_db) as session, pytest.raises(EnrolmentError, match=reason):
            enrol(key=key, session=session, upn=upn, photos=[_photo(7)], backend=FakeBackend())


def test_photo_with_no_face_or_several_faces_is_refused_and_nothing_stored(
        sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
    pair = painted((300, 120), [(7, 30, 30, 50), (8, 30, 200, 50)])
    two = ReferencePhotoUpload("class.png", pair)
    empty = ReferencePhotoUpload("wall.png", painted((120, 120), []))
    for bad, message in [(two, "class.png: 2 faces were found"), (empty, "wall.png: no face")]:
        with session_scope(sqlite_db) as session, pytest.raises(EnrolmentError, match=message):
            enrol(key=key, session=session, upn="A100000000001", photos=[_photo(7), bad],
                  backend=FakeBackend())
    with Session(sqlite_db) as session:
        assert session.exec(select(FaceTemplate)).all() == []


def test_several_photos_enrol_and_the_check_recognises_the_learner(
        sqlite_db, home, key, engine) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        result = enrol(key=key, session=session, upn="A100000000001", photos=[_photo(7), _photo(9)],
                       backend=FakeBackend())
        again = enrol(key=key, session=session, upn="A100000000001", photos=[_photo(7)],
                      backend=FakeBackend())
    assert (result.added, result.total) == (2, 2)
    assert (again.added, again.skipped) == (0, ("face7.png",))
    with Session(sqlite_db) as session:
        snapshot = load_snapshot(session, TODAY, key=key)
    assert snapshot.templates.upns == ("A100000000001", "A100000000001")
    draft = Draft.create("Sports day", [DraftImage(painted((200, 150), [(9, 40, 60, 50)]),
                                                   alt="Relay")], ["facebook"])
    [face] = check(draft, snapshot, fake_engine(engine)).images[0].faces
    assert (face.learner, face.consent) == ("A100000000001", "refused")


def test_stored_reference_photo_has_no_metadata(sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        enrol(key=key, session=session, upn="A100000000001", photos=[_photo(7, exif=True)],
              backend=FakeBackend())
    with Session(sqlite_db) as session:
        row = session.exec(select(ReferencePhoto)).one()
        photo = decrypt(row.sealed, key=key, bound_to="reference-photo:A100000000001")
    assert Image.open(io.BytesIO(photo)).getexif() == {}


def test_objection_or_leaving_keeps_templates_out_of_the_snapshot(sqlite_db, home, key) -> None:  # noqa: ANN001
    with session_scope(sqlite_db) as session:
        _learners(session)
        for upn, who in [("A100000000001", 7), ("A100000000002", 8)]:
            add_template(session=session, upn=upn, encoding=identity(who), photo=b"p",
                         key=key)
        session.get(Learner, "A100000000001").biometric_objection = True
        session.get(Learner, "A100000000002").left = True
    with Session(sqlite_db) as session:
        assert len(load_snapshot(session, TODAY, key=key).templates) == 0


def test_purge_deletes_rows_on_every_database(db, home, key) -> None:  # noqa: ANN001
    with session_scope(db) as session:
        _learners(session)
        for upn in ("A100000000001", "A100000000002"):
            add_template(session=session, upn=upn, encoding=identity(7), photo=b"photo",
                         key=key)
    with session_scope(db) as session:
        assert purge_biometrics(session=session, upn="A100000000001") == 1
    with Session(db) as session:
        assert {r.upn for r in session.exec(select(FaceTemplate))} == {"A100000000002"}
        assert {r.upn for r in session.exec(select(ReferencePhoto))} == {"A100000000002"}


def test_purged_bytes_are_gone_from_the_sqlite_file(sqlite_db, sqlite_url, home, key) -> None:  # noqa: ANN001
    path = Path(sqlite_url.split("///", 1)[1])

    def on_disk() -> bytes:
        with sqlite_db.connect() as conn:  # what SQLite does on its own at a checkpoint
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))

    with session_scope(sqlite_db) as session:
        _learners(session)
        add_template(session=session, upn="A100000000001", encoding=identity(7),
                     photo=os.urandom(3000), key=key)
        sealed = [r.sealed for r in session.exec(select(FaceTemplate))]
        sealed += [r.sealed for r in session.exec(select(ReferencePhoto))]
    assert all(blob[-64:] in on_disk() for blob in sealed)  # written into the file itself
    with session_scope(sqlite_db) as session:
        purge_biometrics(session=session, upn="A100000000001")
    assert not any(blob[-64:] in on_disk() for blob in sealed)
