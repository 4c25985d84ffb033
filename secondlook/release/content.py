"""Exactly what is released: the approved revision's text, images and alt texts.

``verify`` is the last gate before any byte leaves: the hash of what we are
about to send must equal the approved hash, and every image must be free of
metadata (no EXIF, GPS or XMP), as the upload processing left it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from moderation.draft import Draft, DraftImage


class ReleaseRefused(RuntimeError):
    """The content must not be sent as it is (changed since approval, metadata left...)."""


@dataclass(frozen=True, slots=True)
class ReleaseImage:
    data: bytes
    alt: str
    name: str = ""
    media_type: str = "image/jpeg"


@dataclass(frozen=True, slots=True)
class ReleaseContent:
    draft_id: int
    revision: int
    text: str
    images: tuple[ReleaseImage, ...]
    channels: tuple[str, ...]
    approved_sha256: str
    # Learners named in the text and matched in the photos (from the report), kept
    # with the released post so that a later consent change finds it.
    named: tuple[str, ...] = ()
    pictured: tuple[str, ...] = ()

    def content_sha256(self) -> str:
        """The same hash the checks and the approval use (``Draft.content_sha256``)."""
        images = tuple(DraftImage(i.data, i.alt, i.name) for i in self.images)
        return Draft(text=self.text, images=images, channels=self.channels).content_sha256()

    def verify(self) -> None:
        actual = self.content_sha256()
        if actual != self.approved_sha256:
            raise ReleaseRefused(
                f"draft {self.draft_id} revision {self.revision}: the content to send "
                f"(hash {actual[:12]}…) is not the approved content "
                f"({self.approved_sha256[:12]}…); nothing was sent. "
                "Ask for the current revision to be approved."
            )
        for n, image in enumerate(self.images):
            left = metadata_left(image.data)
            if left:
                raise ReleaseRefused(
                    f"photo {n + 1} still carries {', '.join(left)}; nothing was sent. "
                    "Upload the photo again so that it is re-encoded without metadata."
                )


def people_in_report(report: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(named, pictured) UPNs from a report as DESIGN.md's JSON has it."""
    named = {f["learner"] for f in report.get("findings", [])
             if f.get("learner") and f.get("image") is None}
    pictured = {face["learner"] for image in report.get("images", [])
                for face in image.get("faces", []) if face.get("learner")}
    # A face finding names its learner too, for images whose face list was not kept.
    pictured |= {f["learner"] for f in report.get("findings", [])
                 if f.get("learner") and f.get("image") is not None}
    return tuple(sorted(named)), tuple(sorted(pictured))


def metadata_left(data: bytes) -> list[str]:
    """Metadata blocks found in an encoded image; the colour profile is allowed."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            found = [k for k in ("exif", "xmp", "XML:com.adobe.xmp", "comment") if img.info.get(k)]
            if img.getexif() and "exif" not in found:
                found.append("exif")
    except (UnidentifiedImageError, OSError) as exc:
        return [f"an unreadable image ({exc})"]
    return found
