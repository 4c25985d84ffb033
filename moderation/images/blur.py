"""The suggested fix for a face that may not be published: a copy with it blurred.

Blurring must defeat recognition, not just look soft: the face region (with a
margin for hair and ears) is reduced to a few blocks and then smoothed, so no
detail an encoder could use survives. A test runs the real matcher on the
result to prove it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PIL import Image, ImageFilter

from moderation.images.decode import DecodedImage, Limits, decode
from moderation.images.sanitise import SanitisedImage, sanitise
from moderation.report import FaceBox

_MARGIN = 0.35  # of the face size, each side
_BLOCKS = 6  # blocks across the face: too coarse for any identity to survive


def blur_faces(image: Image.Image, boxes: Iterable[FaceBox]) -> Image.Image:
    """A copy of ``image`` with every box pixelated and smoothed beyond recognition."""
    out = image.copy()
    for box in boxes:
        region = _expanded(box, out.width, out.height)
        patch = out.crop(region)
        small = patch.resize(
            (_BLOCKS, max(1, round(_BLOCKS * patch.height / max(1, patch.width)))),
            Image.Resampling.BOX,
        )
        blocky = small.resize(patch.size, Image.Resampling.NEAREST)
        radius = max(2.0, patch.width / (2 * _BLOCKS))
        out.paste(blocky.filter(ImageFilter.GaussianBlur(radius)), region[:2])
    return out


def blurred_copy(data: bytes, boxes: Iterable[FaceBox], limits: Limits) -> SanitisedImage:
    """The upload re-encoded without metadata and with the given faces blurred.

    Boxes are the ones in the check report, i.e. in the upright image's pixels.
    """
    decoded = decode(data, limits)
    blurred = blur_faces(decoded.image, boxes)
    return sanitise(
        DecodedImage(blurred, decoded.format, decoded.icc_profile, decoded.metadata, decoded.gps)
    )


def _expanded(box: FaceBox, width: int, height: int) -> tuple[int, int, int, int]:
    dx = round((box.right - box.left) * _MARGIN)
    dy = round((box.bottom - box.top) * _MARGIN)
    return (
        max(0, box.left - dx),
        max(0, box.top - dy),
        min(width, box.right + dx),
        min(height, box.bottom + dy),
    )
