"""The one seam between the workflow and image processing.

Stored image bytes are exactly what would be published: every upload is
decoded safely and re-encoded from its pixels without metadata
(``moderation.images``) before it is stored, hashed or checked. What the
re-encode removed is kept beside the bytes, because the checks then see a
clean file and the approver should still learn what was fixed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.images.blur import blurred_copy as blur
from moderation.images.decode import Limits, decode
from moderation.images.sanitise import SanitisedImage, sanitise
from moderation.report import FaceBox
from secondlook.config import get_settings

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class BlurNotAvailable(RuntimeError):
    """Face blurring cannot be applied to this photo."""


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    media_type: str
    metadata_removed: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _limits() -> Limits:
    settings = get_settings()
    return Limits(settings.image_max_bytes, settings.image_max_pixels)


def _processed(clean: SanitisedImage, removed: Sequence[str] | None = None) -> ProcessedImage:
    kept = tuple(removed) if removed is not None else clean.metadata_removed
    return ProcessedImage(clean.data, MEDIA_TYPES.get(clean.format, "image/jpeg"), kept)


def process_upload(data: bytes, name: str) -> ProcessedImage:
    """The bytes to store and publish for an upload: upright pixels, no metadata.

    Raises ``ImageRejected`` (a ValueError saying what is wrong and what to do)
    for a file that is not a photo we can read safely.
    """
    return _processed(sanitise(decode(data, _limits(), name)))


def blurred_copy(data: bytes, boxes: list[FaceBox],
                 removed: Sequence[str] = ()) -> ProcessedImage:
    """The stored photo with the given faces blurred, re-encoded the same way."""
    try:
        return _processed(blur(data, boxes, _limits()), removed)
    except ValueError as exc:
        raise BlurNotAvailable(f"the photo could not be blurred: {exc}") from exc
