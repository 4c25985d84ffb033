"""The one seam between the workflow and image processing.

Stored image bytes are exactly what would be published. Until
``moderation.images`` (safe decode, metadata-free re-encode, face blur) is on
main, uploads are stored unchanged and a blurred copy is not available; when
it lands, only this module changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from moderation.report import FaceBox

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


class BlurNotAvailable(RuntimeError):
    """Face blurring is not installed in this build."""


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def media_type(data: bytes) -> str:
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "image/heic"
    return "application/octet-stream"


def process_upload(data: bytes, name: str) -> ProcessedImage:
    """The bytes to store and publish for an upload (today: unchanged)."""
    return ProcessedImage(data=data, media_type=media_type(data))


def blurred_copy(data: bytes, boxes: list[FaceBox]) -> ProcessedImage:
    """The image with the given faces blurred (needs ``moderation.images``)."""
    raise BlurNotAvailable(
        "blurring faces is not available in this version: remove the photo, or post it "
        "only to a channel that has consent"
    )
