"""The copy of a photo that may be released: pixels only, no metadata.

The image is re-encoded from its decoded pixels (orientation already applied)
into a new image that holds nothing else, so nothing the camera or an editor
wrote travels with it: EXIF with GPS and camera details, thumbnails, XMP, IPTC,
comments, PNG text chunks. Every encoder option that could carry text is given
explicitly empty, because Pillow's encoders otherwise copy some of them (the
JPEG comment) from the image they are handed. The only block written besides
pixels is our own sRGB colour profile, when the upload had a profile: its
colours are converted to sRGB when it is decoded (``moderation.images.decode``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image

from moderation.images.decode import DecodedImage, pixels_only
from moderation.images.metadata import found_metadata

__all__ = ["SanitisedImage", "found_metadata", "sanitise"]


@dataclass(frozen=True, slots=True)
class SanitisedImage:
    data: bytes
    format: str  # JPEG or PNG
    width: int
    height: int
    metadata_removed: tuple[str, ...]
    gps: bool  # the upload said where it was taken

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sanitise(decoded: DecodedImage, quality: int = 92) -> SanitisedImage:
    """Re-encode from pixels: JPEG for photos, PNG when the upload was PNG."""
    fmt = "PNG" if decoded.format == "PNG" else "JPEG"
    if fmt == "JPEG" and decoded.image.mode != "RGB":
        image = Image.fromarray(decoded.rgb())
    else:
        image = pixels_only(decoded.image)
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True, "exif": b""}
    if decoded.icc_profile:
        options["icc_profile"] = decoded.icc_profile
    if fmt == "JPEG":
        options.update(quality=quality, subsampling="4:2:0", comment=b"", xmp=b"")
    image.save(out, format=fmt, **options)
    return SanitisedImage(out.getvalue(), fmt, image.width, image.height,
                          decoded.metadata, decoded.gps)
