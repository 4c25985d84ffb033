"""The one seam between the workflow and image processing.

Stored image bytes are exactly what would be published: every upload is
decoded safely and re-encoded from its pixels without metadata
(``moderation.images``) before it is stored, hashed or checked. What the
re-encode removed travels with the stored copy (``DraftImage.removed``),
because the checks then see a clean file and the approver should still learn
what was fixed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.draft import DraftImage
from moderation.images.blur import blurred_copy as blur
from moderation.images.decode import Limits, decode
from moderation.images.sanitise import SanitisedImage, sanitise
from moderation.report import FaceBox

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
GPS = "GPSInfo"  # in a stored photo's list of what was removed: the upload had a position


class BlurNotAvailable(RuntimeError):
    """Face blurring cannot be applied to this photo."""


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    media_type: str
    metadata_removed: tuple[str, ...] = ()
    gps: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def as_draft_image(self, alt: str, name: str) -> DraftImage:
        return DraftImage(data=self.data, alt=alt, name=name, removed=self.metadata_removed,
                          gps=self.gps)


def stored(data: bytes, media_type: str, removed: Sequence[str]) -> ProcessedImage:
    """A photo as the database keeps it (bytes already processed, what was removed)."""
    kept = tuple(removed)
    return ProcessedImage(data, media_type, kept, GPS in kept)


def _processed(clean: SanitisedImage, removed: Sequence[str] | None = None) -> ProcessedImage:
    if removed is not None:
        return stored(clean.data, MEDIA_TYPES.get(clean.format, "image/jpeg"), removed)
    return ProcessedImage(clean.data, MEDIA_TYPES.get(clean.format, "image/jpeg"),
                          clean.metadata_removed, clean.gps)


def process_upload(data: bytes, name: str, limits: Limits) -> ProcessedImage:
    """The bytes to store and publish for an upload: upright pixels, no metadata.

    Raises ``ImageRejected`` (a ValueError saying what is wrong and what to do)
    for a file that is not a photo we can read safely.
    """
    return _processed(sanitise(decode(data, limits, name)))


def blurred_copy(data: bytes, boxes: list[FaceBox], removed: Sequence[str],
                 limits: Limits) -> ProcessedImage:
    """The stored photo with the given faces blurred, re-encoded the same way."""
    try:
        return _processed(blur(data, boxes, limits), removed)
    except ValueError as exc:
        raise BlurNotAvailable(f"the photo could not be blurred: {exc}") from exc
