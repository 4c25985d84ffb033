"""The face check with a fake backend: consent per channel, unknown faces, margins, cross check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from moderation.findings import Severity
from moderation.rulepack import RulePackError, load_pack
from tests.conftest import learner, snapshot
from tests.face_support import BrokenBackend, FakeBackend, painted, templates
from tests.image_support import configure, fake_engine, of_check, run

AMELIA = learner(
    "A100000000001", "Amelia", "Thompson", biometric_consent=True,
    photo_channels=frozenset({"classdojo"}), name_consent="first",
)
JAYDEN = learner(
    "A100000000002", "Jayden", "Okafor", biometric_consent=True,
    photo_channels=frozenset({"facebook", "twitter", "classdojo"}),
)
ONE_FACE = painted((200, 150), [(7, 40, 60, 50)])


def _register(*entries: tuple[str, int, float], people=(AMELIA, JAYDEN), **kw):  # noqa: ANN001, ANN003
    return snapshot(*people, templates=templates(*entries), **kw)


def test_face_without_consent_for_a_target_channel_blocks_with_a_fix(engine) -> None:  # noqa: ANN001
    register = _register((AMELIA.upn, 7, 0.2), (JAYDEN.upn, 8, 0.1))
    report = run(fake_engine(engine), register, ONE_FACE, channels=("facebook", "classdojo"))
    [face] = report.images[0].faces
    assert face.learner == AMELIA.upn and face.distance == pytest.approx(0.2)
    assert face.consent == "refused"
    assert face.channels == {"facebook": "refused", "classdojo": "granted"}
    assert face.box.to_dict() == {"top": 40, "right": 109, "bottom": 89, "left": 60}
    [finding] = of_check(report, "face")
    assert finding.severity == Severity.BLOCK and finding.rule == "faces.no-photo-consent"
    assert "Amelia Thompson" in finding.message and "Facebook" in finding.message
    assert "Class Dojo only" in finding.suggestion and "blur" in finding.suggestion.lower()
    assert (finding.image, finding.face, finding.learner) == (0, 0, AMELIA.upn)
    assert str(report.verdict) == "block"


def test_same_face_is_fine_when_posting_only_where_consent_was_given(engine) -> None:  # noqa: ANN001
    register = _register((AMELIA.upn, 7, 0.2))
    report = run(fake_engine(engine), register, ONE_FACE, channels=("classdojo",))
    [finding] = of_check(report, "face")
    assert finding.severity == Severity.INFO and report.images[0].faces[0].consent == "granted"
    assert str(report.verdict) == "pass"


def test_never_publish_and_expired_consent_block(engine) -> None:  # noqa: ANN001
    hidden = learner("A100000000003", "Kai", "Lee", biometric_consent=True, never_publish=True,
                     photo_channels=frozenset({"facebook"}))
    lapsed = learner("A100000000004", "Ava", "Ng", biometric_consent=True,
                     photo_channels=frozenset({"facebook"}), consent_expires=date(2026, 9, 1))
    register = _register((hidden.upn, 7, 0.1), (lapsed.upn, 8, 0.1), people=(hidden, lapsed))
    photo = painted((300, 150), [(7, 20, 20, 50), (8, 20, 200, 50)])
    report = run(fake_engine(engine), register, photo, channels=("facebook",))
    consents = [f.consent for f in report.images[0].faces]
    assert consents == ["never_publish", "expired"]
    assert [f.rule for f in of_check(report, "face")] == ["faces.never-publish",
                                                          "faces.consent-expired"]
    assert all(f.severity == Severity.BLOCK for f in of_check(report, "face"))


def test_unmatched_face_needs_a_person_to_identify_it(engine) -> None:  # noqa: ANN001
    register = _register((JAYDEN.upn, 8, 0.1))  # face 7 belongs to nobody enrolled
    report = run(fake_engine(engine), register, ONE_FACE)
    [face] = report.images[0].faces
    assert (face.learner, face.distance, face.consent) == (None, None, "unknown")
    assert set(face.channels.values()) == {"unknown"}
    [finding] = of_check(report, "face")
    assert finding.severity == Severity.REVIEW and finding.rule == "faces.unidentified"
    assert str(report.verdict) == "review"


def test_threshold_and_margin_come_from_settings(engine) -> None:  # noqa: ANN001
    # Amelia's template is 0.40 away, her brother's 0.44: within the threshold but no margin.
    brother = learner("A100000000005", "Leo", "Thompson", biometric_consent=True)
    register = _register((AMELIA.upn, 7, 0.40), (brother.upn, 7, 0.44),
                         people=(AMELIA, brother))
    assert run(fake_engine(engine), register, ONE_FACE).images[0].faces[0].learner is None
    configure(engine, face_match_margin=0.02)
    assert run(fake_engine(engine), register, ONE_FACE).images[0].faces[0].learner == AMELIA.upn
    configure(engine, face_match_threshold=0.35)
    assert run(fake_engine(engine), register, ONE_FACE).images[0].faces[0].learner is None


def test_match_to_an_objecting_learner_blocks(engine) -> None:  # noqa: ANN001
    objector = learner("A100000000006", "Mia", "Shah", biometric_consent=True,
                       biometric_objection=True, photo_channels=frozenset({"facebook"}))
    register = _register((objector.upn, 7, 0.1), people=(objector,))
    [finding] = of_check(run(fake_engine(engine), register, ONE_FACE), "face")
    assert finding.rule == "faces.biometric-objection" and finding.severity == Severity.BLOCK


def test_face_model_failure_fails_closed(engine) -> None:  # noqa: ANN001
    report = run(fake_engine(engine, BrokenBackend()), _register(), ONE_FACE)
    [finding] = of_check(report, "face")
    assert finding.rule == "face.check-failed" and finding.severity == Severity.REVIEW
    assert "not installed" in finding.message
    assert report.images[0].faces == ()  # the image itself was still checked


def test_named_and_pictured_learner_needs_review(engine) -> None:  # noqa: ANN001
    register = _register((JAYDEN.upn, 8, 0.1))
    text = "Well done Jayden on sports day!"
    report = run(fake_engine(engine), register, painted((200, 150), [(8, 40, 60, 50)]), text=text)
    [cross] = of_check(report, "cross")
    assert cross.rule == "cross.named-and-pictured" and cross.severity == Severity.REVIEW
    assert cross.span is not None and cross.span.text == "Jayden"
    assert "Jayden Okafor" in cross.message and "photo 1" in cross.message
    assert str(report.verdict) == "review"
    unnamed = run(fake_engine(engine), register, painted((200, 150), [(8, 40, 60, 50)]))
    assert of_check(unnamed, "cross") == []


CROSS_RULE = """rules:
  - id: cross.named-and-pictured
    check: cross
    kind: cross
    severity: block
    policy: '5'
    message: '{name} in {photo}'
    suggestion: 'Remove one.'
    examples:
      match: ['Well done Jayden! | pictured: Jayden Okafor']
      no_match: ['Well done all! | pictured: Jayden Okafor']
"""


def test_cross_rule_is_data_a_school_can_change(tmp_path: Path) -> None:
    stricter = tmp_path / "cross.yaml"
    stricter.write_text(CROSS_RULE)
    assert [r.severity for r in load_pack(stricter)] == [Severity.BLOCK]
    stricter.write_text(stricter.read_text().replace("severity: block", "severity: urgent"))
    with pytest.raises(RulePackError, match=r"cross\.yaml:5: rule 'cross\.named-and-pictured': "
                       "severity"):
        load_pack(stricter)


def test_a_cross_rule_in_the_school_rules_folder_changes_the_severity(
        tmp_path: Path, engine) -> None:  # noqa: ANN001
    (tmp_path / "cross.yaml").write_text(CROSS_RULE)
    register = _register((JAYDEN.upn, 8, 0.1))
    configure(engine, rules_dir=tmp_path)  # as SECONDLOOK_RULES_DIR would, given to the engine
    report = run(fake_engine(engine), register, painted((200, 150), [(8, 40, 60, 50)]),
                 text="Well done Jayden on sports day!")
    [cross] = of_check(report, "cross")
    assert cross.severity == Severity.BLOCK and str(report.verdict) == "block"
    assert cross.message == "Jayden Okafor in photo 1 (IMG_0.jpg)"


class _DeadPool:
    """A process pool whose worker was killed (out of memory, say)."""

    def map(self, *args: object) -> None:
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool("a worker process terminated abruptly")


def test_a_broken_worker_pool_fails_closed_and_is_replaced(engine) -> None:  # noqa: ANN001
    # Enlarged 2x and cut into tiles: big enough to be sent to the pool.
    configure(engine, face_workers=2, face_min_px=8, face_tile_px=600, face_tile_overlap_px=80)
    fake_engine(engine).services["face-pool"] = _DeadPool()
    faces = [(i + 1, 60 + 300 * (i // 6), 60 + 300 * (i % 6), 40) for i in range(12)]
    report = run(engine, _register(), painted((1900, 700), faces))
    [finding] = of_check(report, "face")
    assert finding.rule == "face.check-failed" and str(report.verdict) == "review"
    assert "face-pool" not in engine.services  # the next draft starts a fresh pool


class _CountingBackend(FakeBackend):
    encoded = 0

    def encode_faces(self, rgb, boxes):  # noqa: ANN001, ANN201
        type(self).encoded += len(boxes)
        return super().encode_faces(rgb, boxes)


def test_with_nobody_enrolled_faces_are_unknown_without_encoding(engine) -> None:  # noqa: ANN001
    backend = _CountingBackend()
    report = run(fake_engine(engine, backend), snapshot(AMELIA), ONE_FACE)
    assert [f.consent for f in report.images[0].faces] == ["unknown"]
    assert _CountingBackend.encoded == 0
    run(fake_engine(engine, backend), _register((AMELIA.upn, 7, 0.2)), ONE_FACE)
    assert _CountingBackend.encoded == 1


class CountingBackend(FakeBackend):
    """The fake detector, counting how often it is asked to detect and to encode."""

    def __init__(self) -> None:
        self.detected = self.encoded = 0

    def detect_faces(self, image):  # noqa: ANN001, ANN201
        self.detected += 1
        return super().detect_faces(image)

    def encode_faces(self, rgb, boxes):  # noqa: ANN001, ANN201
        self.encoded += len(boxes)
        return super().encode_faces(rgb, boxes)


def test_matching_turned_off_sends_every_face_to_a_person_and_encodes_none(engine) -> None:  # noqa: ANN001
    register = _register((AMELIA.upn, 7, 0.0), (JAYDEN.upn, 8, 0.0))  # both would match
    photo = painted((300, 150), [(7, 20, 20, 50), (8, 20, 200, 50)])
    backend = CountingBackend()
    report = run(configure(fake_engine(engine, backend), face_matching=False), register, photo)
    assert [f.learner for f in report.images[0].faces] == [None, None]
    findings = of_check(report, "face")
    assert [f.rule for f in findings] == ["faces.unidentified"] * 2
    assert all(f.severity == Severity.REVIEW for f in findings)
    assert "face matching is turned off" in findings[0].message
    assert backend.detected > 0 and backend.encoded == 0
    assert str(report.verdict) == "review"


def test_siblings_side_by_side_are_both_identified(engine) -> None:  # noqa: ANN001
    # Amelia (face 7) and her brother Leo (face 8) look alike: each face is 0.40 from its
    # own learner and 0.44 from the other, so alone neither face clears the 0.06 margin.
    leo = learner("A100000000005", "Leo", "Thompson", biometric_consent=True,
                  photo_channels=frozenset({"classdojo"}))
    register = _register((AMELIA.upn, 7, 0.40), (AMELIA.upn, 8, 0.44), (leo.upn, 8, 0.40),
                         (leo.upn, 7, 0.44), people=(AMELIA, leo))
    together = painted((320, 150), [(7, 40, 40, 50), (8, 40, 200, 50)])
    report = run(fake_engine(engine), register, together, channels=("classdojo",))
    faces = report.images[0].faces
    assert [f.learner for f in faces] == [AMELIA.upn, leo.upn]
    assert [f.consent for f in faces] == ["granted", "granted"]
    assert str(report.verdict) == "pass"  # both consented for Class Dojo: nothing to review
    assert [round(f.nearest, 2) for f in faces] == [0.40, 0.40]  # shown to the approver
    # Amelia alone is still a near tie with her brother: a person identifies her
    alone = run(fake_engine(engine), register, ONE_FACE, channels=("classdojo",))
    assert alone.images[0].faces[0].learner is None


def test_two_faces_are_never_both_the_same_learner(engine) -> None:  # noqa: ANN001
    # Both faces are close to Amelia's templates (0.30 and 0.33): one of them is not her,
    # and the matcher cannot tell which, so both go to a person.
    register = _register((AMELIA.upn, 7, 0.30), (AMELIA.upn, 8, 0.33), (JAYDEN.upn, 9, 0.0))
    two = painted((320, 150), [(7, 40, 40, 50), (8, 40, 200, 50)])
    faces = run(fake_engine(engine), register, two).images[0].faces
    assert [f.learner for f in faces] == [None, None]
    assert [f.consent for f in faces] == ["unknown", "unknown"]
