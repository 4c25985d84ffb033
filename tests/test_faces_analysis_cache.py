"""Nothing computed twice: an unchanged photo is not detected or encoded again.

A spy backend (the fake detector, counting its calls) is handed to the real
image and face checks; the workflow edits the text, re-checks against a changed
register, approves and re-checks before release, and the photo is analysed
once. The encodings are never written anywhere: the database file, the home
folder and the log are searched for them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session

from consent_store.db import session_scope
from consent_store.models import Learner
from consent_store.templates import add_template
from moderation.draft import DraftImage
from moderation.options import CheckOptions
from moderation.pipeline import Engine
from secondlook.deletion import delete_draft
from secondlook.workflow import drafts
from secondlook.workflow.recheck import recheck, reconfirm
from secondlook.workflow.views import load_view
from tests.conftest import TEST_KEY, checker_for, learner, snapshot
from tests.face_support import FakeBackend, identity, painted, templates
from tests.image_support import configure, fake_engine, run

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff
UPN = "A123456789012"
# An encoding no test data shares: each component is a distinctive float.
MARK = np.linspace(0.0123456789, 0.0987654321, 128)


class SpyBackend(FakeBackend):
    """The fake detector, counting calls; encodings carry ``MARK`` so they can be searched."""

    def __init__(self) -> None:
        self.detected = self.encoded = 0

    def detect_faces(self, image):  # noqa: ANN001, ANN201
        self.detected += 1
        return super().detect_faces(image)

    def encode_faces(self, rgb, boxes):  # noqa: ANN001, ANN201
        self.encoded += len(boxes)
        return super().encode_faces(rgb, boxes) + MARK


def _engine(blank_nlp, spy: SpyBackend) -> Engine:  # noqa: ANN001
    return fake_engine(Engine(nlp=blank_nlp, options=CheckOptions(face_workers=1)), spy)


PHOTO = DraftImage(painted((200, 150), [(7, 40, 60, 50)]), alt="The relay team", name="a.png")


def _enrol(db, consent: str = "classdojo") -> None:  # noqa: ANN001
    """The learner whose face is in the photo, enrolled with the spy's own encoding of it."""
    with session_scope(db) as s:
        row = s.get(Learner, UPN)
        if row is None:
            s.add(Learner(upn=UPN, first_name="Jayden", last_name="Okafor", year_group="Year 6",
                          name_consent="full", biometric_consent=True, photo_channels=consent))
            s.flush()
            add_template(session=s, upn=UPN, encoding=identity(7) + MARK, photo=b"ref",
                         key=TEST_KEY)
        else:
            row.photo_channels = consent
            s.add(row)


def _faces(db, draft_id: int) -> list:  # noqa: ANN001
    with Session(db) as s:
        report = load_view(s, draft_id).report
    return [(f["learner"], f["consent"]) for image in report["images"] for f in image["faces"]]


def test_an_unchanged_photo_is_analysed_once_through_the_whole_workflow(
        sqlite_db, staff, blank_nlp) -> None:  # noqa: ANN001
    _enrol(sqlite_db, consent="classdojo")
    spy = SpyBackend()
    checker = checker_for(_engine(blank_nlp, spy))
    with session_scope(sqlite_db) as s:
        draft_id = drafts.create_draft(session=s, author=staff["alice"], text="Sports day!",
                                       channels=["facebook"], images=[PHOTO], checker=checker).id
    analysed = (spy.detected, spy.encoded)
    assert analysed[0] > 0 and analysed[1] == 1
    assert _faces(sqlite_db, draft_id) == [(UPN, "refused")]
    with session_scope(sqlite_db) as s:
        drafts.revise(session=s, draft_id=draft_id, user=staff["alice"], checker=checker,
                      text="Sports day! Well done, everyone.")
    _enrol(sqlite_db, consent="facebook;twitter;classdojo")  # the register changes
    with session_scope(sqlite_db) as s:
        recheck(session=s, draft_id=draft_id, checker=checker)
    assert _faces(sqlite_db, draft_id) == [(UPN, "granted")]  # the new register is honoured
    with session_scope(sqlite_db) as s:
        current = drafts.submit(session=s, draft_id=draft_id, user=staff["alice"])
        drafts.approve(session=s, draft_id=draft_id, user=staff["bob"],
                       content_sha256=current.content_sha256)
    with session_scope(sqlite_db) as s:  # what release does before anything leaves
        reconfirm(s, load_view(s, draft_id), checker, force=True)
    assert (spy.detected, spy.encoded) == analysed


def test_deleting_the_draft_discards_what_was_kept_about_its_photos(
        sqlite_db, staff, blank_nlp) -> None:  # noqa: ANN001
    _enrol(sqlite_db)
    spy = SpyBackend()
    checker = checker_for(_engine(blank_nlp, spy))
    with session_scope(sqlite_db) as s:
        draft_id = drafts.create_draft(session=s, author=staff["alice"], text="Sports day!",
                                       channels=["facebook"], images=[PHOTO], checker=checker).id
    kept = checker.engine.analysis_cache()
    assert len(kept) == 1
    with session_scope(sqlite_db) as s:
        delete_draft(session=s, draft_id=draft_id, user=staff["alice"], checker=checker)
    assert len(kept) == 0
    before = spy.detected
    with session_scope(sqlite_db) as s:
        drafts.create_draft(session=s, author=staff["alice"], text="Again", channels=["facebook"],
                            images=[PHOTO], checker=checker)
    assert spy.detected > before  # analysed afresh: nothing of the deleted draft was left


def test_draft_encodings_are_never_written_or_logged(
        sqlite_db, sqlite_url, staff, blank_nlp, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    spy = SpyBackend()
    checker = checker_for(_engine(blank_nlp, spy))
    photo = DraftImage(painted((300, 150), [(7, 40, 60, 50), (9, 40, 200, 50)]), name="b.png")
    _enrol(sqlite_db)
    with caplog.at_level(logging.DEBUG), session_scope(sqlite_db) as s:
        draft_id = drafts.create_draft(session=s, author=staff["alice"], text="Sports day!",
                                       channels=["facebook"], images=[photo], checker=checker).id
        recheck(session=s, draft_id=draft_id, checker=checker)
    assert spy.encoded == 2
    sqlite_db.dispose()
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    unknown_face = identity(9) + MARK  # face 9: nobody's template, only the draft's
    for value in unknown_face[1:]:
        for raw in (np.float64(value).tobytes(), np.float32(value).tobytes(),
                    f"{value:.6f}".encode()):
            assert raw not in stored
        assert f"{value:.6f}" not in caplog.text
    assert repr(checker.engine.analysis_cache()).startswith("AnalysisCache(1 photo")


def test_the_same_photo_with_other_text_is_not_detected_again(engine) -> None:  # noqa: ANN001
    spy = SpyBackend()
    register = snapshot(learner(UPN, "Jayden", "Okafor", biometric_consent=True),
                        templates=templates((UPN, 7, 0.0)))
    first = run(fake_engine(engine, spy), register, PHOTO.data, text="Sports day!")
    analysed = (spy.detected, spy.encoded)
    second = run(engine, register, PHOTO.data, text="Sports day, and a picnic.")
    assert (spy.detected, spy.encoded) == analysed
    assert second.images == first.images


def test_only_a_changed_detection_setting_analyses_the_photo_again(engine) -> None:  # noqa: ANN001
    spy = SpyBackend()
    register = snapshot()
    run(fake_engine(engine, spy), register, PHOTO.data)
    before = spy.detected
    run(engine, register, PHOTO.data, text="Same photo, same settings")
    assert spy.detected == before
    run(configure(engine, face_min_px=20), register, PHOTO.data)
    assert spy.detected > before


def test_encodings_are_computed_once_someone_is_enrolled(engine) -> None:  # noqa: ANN001
    spy = SpyBackend()
    nobody = snapshot(learner(UPN, "Jayden", "Okafor", biometric_consent=True))
    report = run(fake_engine(engine, spy), nobody, PHOTO.data)
    assert spy.encoded == 0 and report.images[0].faces[0].learner is None
    detected = spy.detected
    enrolled = snapshot(learner(UPN, "Jayden", "Okafor", biometric_consent=True),
                        templates=templates((UPN, 7, 0.0)))
    spy_templates = enrolled.templates.encodings + MARK
    enrolled = snapshot(*enrolled.learners, templates=type(enrolled.templates)(
        enrolled.templates.upns, spy_templates))
    report = run(engine, enrolled, PHOTO.data)
    assert spy.detected == detected and spy.encoded == 1  # encoded now, not detected again
    assert report.images[0].faces[0].learner == UPN
