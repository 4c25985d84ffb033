"""The face encoder run by onnxruntime: dlib's own network and weights, about 10× faster.

dlib-bin's wheel is built without a BLAS or AVX, so its ResNet costs ~95 ms of
CPU a face. The same network, with the weights read from the shipped
``dlib_face_recognition_resnet_model_v1.dat`` (``dlib_net``) and rebuilt as an
ONNX graph (``onnx_graph``), costs 7–10 ms in onnxruntime. Landmarks and the
150×150 aligned chip still come from dlib (``get_face_chips``, padding 0.25, no
jitter: what ``compute_face_descriptor`` feeds its network), so only the
network's arithmetic changes.

The graph is built once into a models folder, named after the source model's
hash and this converter's version, and used only after it reproduced dlib's
encodings (within ``TOLERANCE``) on the fixture faces and on synthetic chips.
Anything else (a build or check that fails, a file that changed) logs a
warning and the check uses dlib itself: slower, never wrong, never skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from moderation.images.faces import ENCODING_SIZE, DlibBackend, FaceBackend, dlib_models
from moderation.report import FaceBox

log = logging.getLogger(__name__)

CONVERTER_VERSION = 1
#: the largest difference from dlib's encoding allowed in any component; encodings are
#: compared at distances of ~0.45, measured differences are below 1e-6
TOLERANCE = 1e-4
CHIP_SIZE, CHIP_PADDING = 150, 0.25
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "faces"


class EncoderBuildError(RuntimeError):
    """The converted encoder could not be built or did not reproduce dlib's encodings."""


def source_model() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import face_recognition_models as frm
    return Path(frm.face_recognition_model_location())


def default_models_dir() -> Path:
    """Where engines built without a home keep the converted model (a private temp folder)."""
    return Path(tempfile.gettempdir()) / f"secondlook-models-{os.getuid()}"


def ensure_model(models_dir: Path, source: Path | None = None) -> Path:
    """The path of a verified converted model, built (and checked) first if needed."""
    source = source or source_model()
    digest = _sha256(source)
    target = models_dir / f"dlib_face_resnet_v1-{digest[:16]}-c{CONVERTER_VERSION}.onnx"
    record = target.with_suffix(".verified.json")
    if target.exists() and record.exists() and _still_verified(target, record, digest):
        return target
    models_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(models_dir / ".build.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # processes starting together build it once
        if target.exists() and record.exists() and _still_verified(target, record, digest):
            return target
        _build_into(source, digest, target, record)
    return target


def _build_into(source: Path, digest: str, target: Path, record: Path) -> None:
    data = _build(source)
    difference, faces = verify(data)
    _write_atomic(target, data)
    _write_atomic(record, json.dumps({
        "source": source.name, "source_sha256": digest, "onnx_sha256": _sha256_bytes(data),
        "converter": CONVERTER_VERSION, "max_difference": difference, "faces_compared": faces,
    }, indent=1).encode())
    log.info("built the face encoder %s (max difference from dlib %.1e on %d faces)",
             target.name, difference, faces)


def verify(model: bytes) -> tuple[float, int]:
    """The largest difference from dlib's own encodings, and on how many chips it was measured.

    Raises EncoderBuildError if any component differs by more than ``TOLERANCE``.
    """
    _, _, encoder = dlib_models()
    chips = verification_chips()
    reference = np.asarray(encoder.compute_face_descriptor(list(chips)), dtype=np.float64)
    ours = _session_from(model).run(None, {"chips": chips})[0].astype(np.float64)
    difference = float(np.abs(ours - reference).max())
    if not difference <= TOLERANCE:  # also catches NaN
        raise EncoderBuildError(f"the converted face encoder differs from dlib by {difference:.2e} "
                                f"(allowed {TOLERANCE:.0e})")
    return difference, len(chips)


def verification_chips() -> np.ndarray:
    """The fixture faces as dlib aligns them, mirrored too, and seeded synthetic chips."""
    detector, predictor, _ = dlib_models()
    import dlib
    from PIL import Image

    chips: list[np.ndarray] = []
    for path in sorted(FIXTURES.glob("*.jpg")):
        image = np.ascontiguousarray(Image.open(path).convert("RGB"))
        shapes = dlib.full_object_detections()
        for rect in detector(image, 0):
            shapes.append(predictor(image, rect))
        if len(shapes):
            chips += dlib.get_face_chips(image, shapes, size=CHIP_SIZE, padding=CHIP_PADDING)
    chips += [np.ascontiguousarray(c[:, ::-1]) for c in chips]
    rng = np.random.default_rng(20261203)
    chips += list(rng.integers(0, 256, (4, CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8))
    return np.stack(chips).astype(np.uint8)


class OnnxBackend(DlibBackend):
    """dlib's detector and landmarks; its encoder network through onnxruntime.

    Holds only the model's path, so it crosses to worker processes cheaply; each
    process opens its own session once.
    """

    def __init__(self, model_path: Path) -> None:
        self.model_path = str(model_path)

    def encode_faces(self, rgb: np.ndarray, boxes: Sequence[FaceBox]) -> np.ndarray:
        if not boxes:
            return np.zeros((0, ENCODING_SIZE))
        return _session(self.model_path).run(None, {"chips": face_chips(rgb, boxes)})[0].astype(
            np.float64)


def face_chips(rgb: np.ndarray, boxes: Sequence[FaceBox]) -> np.ndarray:
    """The aligned 150×150 chips dlib's encoder would see, one per box."""
    import dlib

    _, predictor, _ = dlib_models()
    image = np.ascontiguousarray(rgb)
    shapes = dlib.full_object_detections()
    for box in boxes:
        shapes.append(predictor(image, dlib.rectangle(box.left, box.top, box.right, box.bottom)))
    return np.stack(dlib.get_face_chips(image, shapes, size=CHIP_SIZE, padding=CHIP_PADDING))


def face_backend(encoder: str, models_dir: Path | None, source: Path | None = None
                 ) -> FaceBackend:
    """The backend for ``SECONDLOOK_FACE_ENCODER``: "onnx" (default) or "dlib" (the reference).

    Falls back to dlib, with a warning, when the converted model cannot be had.
    """
    if encoder == "dlib":
        return DlibBackend()
    try:
        return OnnxBackend(ensure_model(models_dir or default_models_dir(), source))
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the reference
        log.warning("the fast face encoder is not available (%s: %s); using dlib's own, "
                    "which is about 10x slower", type(exc).__name__, exc)
        return DlibBackend()


def _build(source: Path) -> bytes:
    from moderation.images.dlib_net import read_network
    from moderation.images.onnx_graph import build_graph

    try:
        return bytes(build_graph(read_network(source)).SerializeToString())
    except Exception as exc:  # a damaged or different model file
        raise EncoderBuildError(f"could not convert {source.name}: {exc}") from exc


def _still_verified(target: Path, record: Path, digest: str) -> bool:
    try:
        facts = json.loads(record.read_text())
        return bool(facts["source_sha256"] == digest
                    and facts["onnx_sha256"] == _sha256_bytes(target.read_bytes()))
    except (OSError, ValueError, KeyError):
        return False


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(path: Path) -> str:
    return _sha256_bytes(path.read_bytes())


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _session_from(model: bytes | str) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Parallelism comes from the face pool's processes; one thread each avoids oversubscribing.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


@cache
def _session(path: str) -> Any:
    return _session_from(path)
