"""The copy of a photo that may be released: pixels only, no metadata.

The image is re-encoded from its decoded pixels (orientation already applied),
so nothing the camera or an editor wrote travels with it: EXIF with GPS and
camera details, thumbnails, XMP, IPTC, comments, PNG text chunks. Only the
colour profile is kept, because dropping it visibly changes the colours.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import ExifTags, Image

from moderation.images.decode import DecodedImage

# Where the info keys Pillow exposes come from, named as a person would know them.
_INFO_BLOCKS = {
    "xmp": "XMP",
    "XML:com.adobe.xmp": "XMP",
    "photoshop": "IPTC/Photoshop",
    "iptc": "IPTC",
    "comment": "Comment",
}
_GPS_IFD = ExifTags.IFD.GPSInfo
_EXIF_IFD = ExifTags.IFD.Exif


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
    image = decoded.image
    fmt = "PNG" if decoded.format == "PNG" else "JPEG"
    if fmt == "JPEG" and image.mode != "RGB":
        image = Image.fromarray(decoded.rgb())
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True}
    if decoded.icc_profile:
        options["icc_profile"] = decoded.icc_profile
    if fmt == "JPEG":
        options.update(quality=quality, subsampling="4:2:0")
    image.save(out, format=fmt, **options)
    removed, gps = found_metadata(decoded.source)
    return SanitisedImage(out.getvalue(), fmt, image.width, image.height, removed, gps)


def found_metadata(source: Image.Image) -> tuple[tuple[str, ...], bool]:
    """Names of the metadata the upload carried, and whether it held a GPS position."""
    exif = source.getexif()
    names = {ExifTags.TAGS.get(tag, f"Tag{tag:#06x}") for tag in exif}
    names |= {ExifTags.TAGS.get(tag, f"Tag{tag:#06x}") for tag in exif.get_ifd(_EXIF_IFD)}
    gps_ifd = exif.get_ifd(_GPS_IFD)
    gps = any(tag in gps_ifd for tag in (1, 2, 3, 4))  # latitude/longitude and their refs
    if gps_ifd:
        names.add("GPSInfo")
    if exif.get_ifd(ExifTags.IFD.IFD1) or "thumbnail" in source.info:
        names.add("Thumbnail")
    for key, label in _INFO_BLOCKS.items():
        if source.info.get(key):
            names.add(label)
    names |= {f"PNG text: {key}" for key in getattr(source, "text", {}) or {}}
    names.discard("ExifOffset")  # a pointer inside EXIF, not information
    return tuple(sorted(names)), gps
