"""A thin, verb-named face API behind a Protocol, so tests can inject a fake.

The real backend is dlib through face_recognition. Its models are loaded
lazily, once per process (worker processes included), never at import.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from typing import Any, Protocol

import numpy as np

from moderation.report import FaceBox

#: The length of one face encoding (dlib's ResNet embedding).
ENCODING_SIZE = 128


class FaceModelError(RuntimeError):
    """The face models could not be loaded; the check fails closed to review."""


class FaceBackend(Protocol):
    #: the side, in pixels, of the smallest face the detector finds at scale 1
    window: int
    #: whether detection works on greyscale (cheaper); encoding always gets RGB
    greyscale: bool

    def detect_faces(self, image: np.ndarray) -> list[tuple[FaceBox, float]]:
        """Faces in a greyscale or RGB uint8 image, at its own scale, with a score."""
        ...

    def encode_faces(self, rgb: np.ndarray, boxes: Sequence[FaceBox]) -> np.ndarray:
        """One encoding per box, shape (len(boxes), 128)."""
        ...


@cache
def dlib_models() -> tuple[Any, Any, Any]:
    """dlib's face detector, landmark predictor and encoder, loaded once per process."""
    try:
        import dlib

        with warnings.catch_warnings():  # it imports the deprecated pkg_resources
            warnings.simplefilter("ignore", UserWarning)
            import face_recognition_models as frm
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise FaceModelError(
            "the face models (dlib-bin, face-recognition-models) are not installed; "
            "run `uv sync` and try again"
        ) from exc
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(frm.pose_predictor_model_location()),
        dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
    )


class DlibBackend:
    """dlib's HOG detector and ResNet encoder, the models face_recognition uses.

    The HOG window is 80 px. With the score threshold lowered a little (-0.2
    instead of 0), faces about 15% smaller than the window still score, so a
    68-px face is found at scale 1 and small faces need less enlarging, which
    costs the square of the factor. The few extra weak detections become
    "unknown" faces that a person reviews: the safe side.
    """

    window = 68
    greyscale = True  # HOG on one channel: same faces, less work than on three
    threshold = -0.2

    def detect_faces(self, image: np.ndarray) -> list[tuple[FaceBox, float]]:
        detector, _, _ = dlib_models()
        rects, scores, _ = detector.run(np.ascontiguousarray(image), 0, self.threshold)
        height, width = image.shape[:2]
        return [(_clip(r, width, height), float(s)) for r, s in zip(rects, scores, strict=True)]

    def encode_faces(self, rgb: np.ndarray, boxes: Sequence[FaceBox]) -> np.ndarray:
        if not boxes:
            return np.zeros((0, ENCODING_SIZE))
        import dlib

        _, predictor, encoder = dlib_models()
        image = np.ascontiguousarray(rgb)
        shapes = dlib.full_object_detections()
        for box in boxes:
            rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
            shapes.append(predictor(image, rect))
        return np.asarray(encoder.compute_face_descriptor(image, shapes, 1), dtype=np.float64)


def _clip(rect: Any, width: int, height: int) -> FaceBox:
    return FaceBox(
        top=max(rect.top(), 0),
        right=min(rect.right(), width - 1),
        bottom=min(rect.bottom(), height - 1),
        left=max(rect.left(), 0),
    )
