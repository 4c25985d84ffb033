"""The real face models (dlib) on the public-domain fixtures: a few small, slow tests."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from consent_store.snapshot import FaceTemplateSet
from moderation.images.blur import blurred_copy
from moderation.images.decode import Limits, decode
from moderation.images.detection import DetectionPlan, detect, encode
from moderation.images.faces import DlibBackend
from moderation.images.matching import TemplateMatcher
from tests.conftest import learner, snapshot
from tests.image_support import of_check, run

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent / "fixtures" / "faces"
LIMITS = Limits(50_000_000, 50_000_000)
OBAMA = learner("T000000000001", "Barack", "Obama", biometric_consent=True,
                photo_channels=frozenset({"classdojo"}))
BIDEN = learner("T000000000002", "Joe", "Biden", biometric_consent=True,
                photo_channels=frozenset({"facebook", "twitter", "classdojo"}))


def _reference(name: str) -> np.ndarray:
    rgb = decode((FIXTURES / name).read_bytes(), LIMITS).rgb()
    backend = DlibBackend()
    [box] = detect(rgb, backend, DetectionPlan())
    return encode(rgb, [box], backend)[0]


@pytest.fixture(scope="module")
def register_templates() -> FaceTemplateSet:
    return FaceTemplateSet(
        (OBAMA.upn, BIDEN.upn), np.array([_reference("obama.jpg"), _reference("biden.jpg")])
    )


def _group_photo(width: int = 1000) -> bytes:
    image = Image.open(FIXTURES / "obama_and_biden.jpg")
    image = image.resize((width, round(image.height * width / image.width)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


def test_group_photo_faces_matched_with_consent_per_channel(
    engine, register_templates  # noqa: ANN001
) -> None:
    register = snapshot(OBAMA, BIDEN, templates=register_templates)
    report = run(engine, register, _group_photo(), channels=("facebook",))
    faces = sorted(report.images[0].faces, key=lambda f: f.box.left)
    assert [f.learner for f in faces] == [BIDEN.upn, OBAMA.upn, None]
    assert [f.consent for f in faces] == ["granted", "refused", "unknown"]
    assert all(f.distance is None or f.distance < 0.45 for f in faces)
    rules = sorted(f.rule for f in of_check(report, "face"))
    assert rules == ["faces.consent-granted", "faces.no-photo-consent", "faces.unidentified"]
    assert str(report.verdict) == "block"


def test_blurred_copy_is_no_longer_recognised(register_templates) -> None:  # noqa: ANN001
    photo = _group_photo()
    backend = DlibBackend()
    rgb = decode(photo, LIMITS).rgb()
    boxes = detect(rgb, backend, DetectionPlan())
    matcher = TemplateMatcher(register_templates)
    before = matcher.match(encode(rgb, boxes, backend), 0.45, 0.06)
    obama = [b for b, m in zip(boxes, before, strict=True) if m.upn == OBAMA.upn]
    assert len(obama) == 1
    after = decode(blurred_copy(photo, obama, LIMITS).data, LIMITS).rgb()
    found = detect(after, backend, DetectionPlan())
    matched = {m.upn for m in matcher.match(encode(after, found, backend), 0.45, 0.06)}
    assert OBAMA.upn not in matched and BIDEN.upn in matched
