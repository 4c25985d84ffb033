"""What an uploaded photo carried besides its pixels, named as a person would know it.

Read from the file as opened, before anything is re-encoded: the report lists it as
removed, because the copy that is stored and published is written from pixels only
(``moderation.images.sanitise``).
"""

from __future__ import annotations

from PIL import ExifTags, Image

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
