"""The converted face encoder (dlib's network run by onnxruntime) against dlib itself.

dlib stays the reference: on every fixture face the converted encoder gives the
same encoding (within 1e-5 per component) and the same identifications, and a
converted model that does not reproduce dlib is refused with a warning and the
check falls back to dlib.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest

from consent_store.snapshot import FaceTemplateSet
from moderation.images.decode import Limits, decode
from moderation.images.detection import DetectionPlan, detect, encode
from moderation.images.dlib_net import ModelFormatError, read_network
from moderation.images.faces import DlibBackend
from moderation.images.matching import TemplateMatcher
from moderation.images.onnx_encoder import (
    OnnxBackend,
    ensure_model,
    face_backend,
    source_model,
)

pytestmark = pytest.mark.slow
LIMITS = Limits(50_000_000, 50_000_000)
FIXTURE_DIRS = [Path(__file__).parent / "fixtures" / "faces", Path("/work/shared/fixtures/faces")]
PHOTOS = sorted({p.name: p for d in FIXTURE_DIRS if d.is_dir() for p in d.glob("*.jpg")}.values())


@pytest.fixture(scope="module")
def onnx_backend(tmp_path_factory: pytest.TempPathFactory) -> OnnxBackend:
    backend = face_backend("onnx", tmp_path_factory.mktemp("models"))
    assert isinstance(backend, OnnxBackend)
    return backend


def _faces(path: Path) -> tuple[np.ndarray, list]:
    rgb = decode(path.read_bytes(), LIMITS).rgb()
    return rgb, detect(rgb, DlibBackend(), DetectionPlan())


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_converted_encoder_gives_dlibs_encodings(photo: Path, onnx_backend: OnnxBackend) -> None:
    rgb, boxes = _faces(photo)
    assert boxes, f"no face found in {photo}"
    reference = encode(rgb, boxes, DlibBackend())
    ours = encode(rgb, boxes, onnx_backend)
    assert ours.shape == reference.shape == (len(boxes), 128)
    assert np.abs(ours - reference).max() < 1e-5


def test_identifications_are_the_same_with_either_encoder(onnx_backend: OnnxBackend) -> None:
    by_name = {p.name: p for p in PHOTOS}
    results = []
    for backend in (DlibBackend(), onnx_backend):
        enrolled = [encode(*_faces(by_name[n]), backend)[0] for n in ("obama.jpg", "biden.jpg")]
        matcher = TemplateMatcher(FaceTemplateSet(("OBAMA", "BIDEN"), np.array(enrolled)))
        seen = []
        for photo in PHOTOS:
            rgb, boxes = _faces(photo)
            seen += [(m.upn, round(m.nearest, 4))
                     for m in matcher.match(encode(rgb, boxes, backend), 0.45, 0.06)]
        results.append(seen)
    dlib_seen, onnx_seen = results
    assert onnx_seen == dlib_seen
    assert {"OBAMA", "BIDEN", None} <= {upn for upn, _ in dlib_seen}


def test_built_model_is_kept_under_the_source_models_hash(tmp_path: Path) -> None:
    first = ensure_model(tmp_path)
    assert first.parent == tmp_path and first.suffix == ".onnx"
    record = first.with_suffix(".verified.json").read_text()
    assert "source_sha256" in record and "max_difference" in record
    built_at = first.stat().st_mtime_ns
    assert ensure_model(tmp_path) == first and first.stat().st_mtime_ns == built_at


def test_a_model_file_changed_after_checking_is_rebuilt_not_used(tmp_path: Path) -> None:
    model = ensure_model(tmp_path)
    good = model.read_bytes()
    model.write_bytes(good[:-4096] + bytes(4096))  # the last weights zeroed
    assert ensure_model(tmp_path).read_bytes() == good


def _damaged_copy(tmp_path: Path) -> Path:
    """The shipped model with a block of one convolution's weights overwritten."""
    data = bytearray(source_model().read_bytes())
    start = [m.start() for m in re.finditer(b"\x01\x05con_4", data)][20] + 400
    data[start : start + 40_000] = np.full(10_000, 0.5, "<f4").tobytes()
    copy = tmp_path / "damaged.dat"
    copy.write_bytes(bytes(data))
    return copy


def test_a_conversion_that_differs_from_dlib_is_refused_and_dlib_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    models = tmp_path / "models"
    with caplog.at_level(logging.WARNING):
        backend = face_backend("onnx", models, source=_damaged_copy(tmp_path))
    assert type(backend) is DlibBackend
    assert "differs from dlib" in caplog.text and "using dlib" in caplog.text
    assert not list(models.glob("*.onnx")), "a refused model must not be kept"


def test_a_file_that_is_not_dlibs_network_is_refused(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(source_model().read_bytes()[:1_000_000])
    with pytest.raises(ModelFormatError, match="end of the model file"):
        read_network(truncated)
    assert type(face_backend("onnx", tmp_path / "m", source=truncated)) is DlibBackend


def test_dlib_is_chosen_by_setting() -> None:
    assert type(face_backend("dlib", None)) is DlibBackend

