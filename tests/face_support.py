"""A fake face backend and painted test photos, so face tests load no model.

A painted "face" is a square of the exact colour (255, g, 0), where ``g``
(1..120) is who it is. Like dlib's HOG detector, the fake only finds faces at
least ``window`` pixels wide in the image it is given, so the detection
strategy (enlarging, tiling, the whole-photo pass) is exercised for real.
Its encoding of identity ``g`` is the unit vector on axis ``g``; a blurred or
unreadable face encodes far from everyone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from consent_store.snapshot import FaceTemplateSet
from moderation.report import FaceBox

_OFFSET_AXIS = 127  # templates are moved along this axis to set a distance exactly


class FakeBackend:
    window = 16
    greyscale = False

    def detect_faces(self, image: np.ndarray) -> list[tuple[FaceBox, float]]:
        marker = (image[..., 0] == 255) & (image[..., 2] == 0) & (image[..., 1] > 0)
        found = []
        for who in np.unique(image[..., 1][marker]):
            rows, cols = np.nonzero(marker & (image[..., 1] == who))
            box = FaceBox(int(rows.min()), int(cols.max()), int(rows.max()), int(cols.min()))
            if box.right - box.left + 1 >= self.window:
                found.append((box, 1.0))
        return found

    def encode_faces(self, rgb: np.ndarray, boxes: Sequence[FaceBox]) -> np.ndarray:
        return np.array([identity(_who(rgb, box)) for box in boxes]).reshape(-1, 128)


class BrokenBackend(FakeBackend):
    def detect_faces(self, image: np.ndarray) -> list[tuple[FaceBox, float]]:
        from moderation.images.faces import FaceModelError

        raise FaceModelError("the face models are not installed")


def _who(rgb: np.ndarray, box: FaceBox) -> int:
    r, g, b = rgb[(box.top + box.bottom) // 2, (box.left + box.right) // 2][:3]
    return int(g) if (r, b) == (255, 0) else 0


def identity(who: int, distance: float = 0.0) -> np.ndarray:
    """The encoding of painted face ``who``, moved ``distance`` away (0 = unreadable)."""
    vec = np.zeros(128)
    if who == 0:
        vec[:] = 5.0
        return vec
    vec[who] = 1.0
    vec[_OFFSET_AXIS] = distance
    return vec


def templates(*entries: tuple[str, int, float]) -> FaceTemplateSet:
    """(upn, painted identity, distance of the template from that face)."""
    return FaceTemplateSet(
        upns=tuple(e[0] for e in entries),
        encodings=np.array([identity(who, d) for _, who, d in entries]).reshape(-1, 128),
    )


def painted(
    size: tuple[int, int], faces: Sequence[tuple[int, int, int, int]], fmt: str = "PNG"
) -> bytes:
    """A grey photo with faces (who, top, left, side) painted on; returns encoded bytes."""
    width, height = size
    pixels = np.full((height, width, 3), 128, dtype=np.uint8)
    for who, top, left, side in faces:
        pixels[top : top + side, left : left + side] = (255, who, 0)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **({"quality": 100} if fmt == "JPEG" else {}))
    return out.getvalue()
