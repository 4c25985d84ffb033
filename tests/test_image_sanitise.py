"""The released copy carries no metadata (checked with exiftool and piexif), keeps its colours."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import piexif
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from moderation.images.decode import Limits, decode, decode_cost
from moderation.images.sanitise import sanitise
from moderation.options import CheckOptions
from secondlook.workflow.images import process_upload
from tests.conftest import require_system_package, snapshot
from tests.image_support import encoded, fake_engine, of_check, run

LIMITS = Limits(max_bytes=50_000_000, max_pixels=50_000_000)
FIXTURES = Path(__file__).parent / "fixtures" / "faces"
# Groups exiftool reports for any file; everything else would be metadata we failed to remove.
_STRUCTURAL = {"ExifTool", "System", "File", "JFIF", "PNG", "Composite"}


def _gps_jpeg() -> bytes:
    exif = {
        "0th": {piexif.ImageIFD.Make: b"PhoneCo", piexif.ImageIFD.Model: b"Pocket 12"},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((51, 1), (30, 1), (0, 1)),
            piexif.GPSIFD.GPSLongitudeRef: b"W",
            piexif.GPSIFD.GPSLongitude: ((0, 1), (7, 1), (0, 1)),
        },
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2026:07:01 10:00:00"},
        "1st": {}, "thumbnail": None,
    }
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return encoded(
        Image.new("RGB", (60, 40), (10, 120, 200)), "JPEG",
        exif=piexif.dump(exif), icc_profile=icc, xmp=xmp, comment=b"St Mary's field",
    )


def _exiftool_groups(data: bytes, tmp_path: Path) -> dict[str, object]:
    # exiftool is a system package (libimage-exiftool-perl, installed by .ci/run).
    require_system_package(bool(shutil.which("exiftool")), "exiftool", "libimage-exiftool-perl")
    path = tmp_path / "released.bin"
    path.write_bytes(data)
    out = subprocess.run(
        ["exiftool", "-json", "-a", "-G1", str(path)], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)[0]


def test_released_jpeg_has_no_metadata_but_keeps_the_colour_profile(tmp_path: Path) -> None:
    clean = sanitise(decode(_gps_jpeg(), LIMITS))
    tags = _exiftool_groups(clean.data, tmp_path)
    groups = {key.split(":")[0] for key in tags if ":" in key}
    colour = {g for g in groups if g.startswith("ICC")}
    assert groups - _STRUCTURAL - colour == set(), f"metadata left: {groups}"
    assert tags.get("ICC_Profile:ProfileDescription"), "the colour profile was dropped"
    assert piexif.load(clean.data)["GPS"] == {} and piexif.load(clean.data)["0th"] == {}
    assert {"GPSInfo", "Make", "Model", "DateTimeOriginal", "XMP", "Comment"} <= set(
        clean.metadata_removed
    )
    assert not [k for k in tags if k.endswith(":Comment")], "the comment was kept"
    assert clean.gps


def test_official_photo_metadata_removed(tmp_path: Path) -> None:
    clean = sanitise(decode((FIXTURES / "obama.jpg").read_bytes(), LIMITS))
    tags = _exiftool_groups(clean.data, tmp_path)
    assert not any(k.startswith(("IFD0:", "ExifIFD:", "XMP", "IPTC", "Photoshop")) for k in tags)
    assert "Artist" in clean.metadata_removed and "IPTC/Photoshop" in clean.metadata_removed
    assert (clean.width, clean.height) == (910, 1137)


def test_png_text_chunks_are_removed(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 12 Acacia Avenue")
    info.add_text("Author", "Mrs Smith")
    data = encoded(Image.new("RGBA", (20, 20), (0, 200, 0, 255)), "PNG", pnginfo=info)
    clean = sanitise(decode(data, LIMITS))
    assert clean.format == "PNG"
    tags = _exiftool_groups(clean.data, tmp_path)
    assert "Acacia" not in json.dumps(tags) and "Smith" not in json.dumps(tags)
    assert {"PNG text: Comment", "PNG text: Author"} <= set(clean.metadata_removed)


def test_heic_with_exif_is_released_as_plain_jpeg() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"
    data = encoded(Image.new("RGB", (64, 48), (90, 90, 90)), "HEIF", exif=exif.tobytes())
    clean = sanitise(decode(data, LIMITS))
    assert clean.format == "JPEG" and "Make" in clean.metadata_removed
    assert piexif.load(clean.data)["0th"] == {}


def test_gps_position_is_an_info_finding_and_listed_in_the_report(engine) -> None:  # noqa: ANN001
    report = run(fake_engine(engine), snapshot(), _gps_jpeg())
    [finding] = of_check(report, "image")
    assert (finding.rule, str(finding.severity)) == ("image.gps-location", "info")
    assert finding.image == 0 and "no location" in finding.message
    assert str(report.verdict) == "pass"
    image = report.to_dict()["images"][0]
    assert "GPSInfo" in image["metadata_removed"] and image["width"] == 60


def test_the_copy_the_workflow_releases_has_no_position_and_the_same_size() -> None:
    released = process_upload(_gps_jpeg(), "photo 1", CheckOptions().image_limits)
    assert released.gps and "GPSInfo" in released.metadata_removed
    assert piexif.load(released.data)["GPS"] == {}
    assert Image.open(io.BytesIO(released.data)).size == (60, 40)


# --- Issue 13.3: written from pixels only, for every accepted format -----------------------

HTML = b"<html><script>alert('polyglot')</script></html>"
MARKERS = ("alert", "polyglot", "PhoneCo", "SECRETXMP", "Acacia", "HTMLOK")


def _hostile_profile() -> bytes:
    """A working RGB colour profile whose description is HTML (any text fits in a profile)."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    name = "sRGB built-in".encode("utf-16-be")
    return srgb.replace(name, "<b>HTMLOK</b>".encode("utf-16-be"))


def _with_metadata(fmt: str) -> bytes:
    """A photo in ``fmt`` carrying every kind of metadata that format can hold."""
    image = Image.new("RGB", (60, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"  # Make
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (51.0, 30.0, 0.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRETXMP</x:xmpmeta>'
    options: dict[str, object] = {"exif": exif.tobytes(), "icc_profile": _hostile_profile()}
    if fmt == "JPEG":
        options |= {"comment": HTML, "xmp": xmp}
    elif fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", HTML.decode())
        info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        info.add_text("Location", "12 Acacia Avenue")
        options["pnginfo"] = info
    else:  # WebP, HEIC
        options["xmp"] = xmp
    return encoded(image, fmt, **options)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_every_accepted_format_is_released_from_pixels_only(fmt: str, tmp_path: Path) -> None:
    upload = _with_metadata(fmt)
    released = process_upload(upload, "photo 1", CheckOptions().image_limits)
    carried = Image.open(io.BytesIO(upload))  # it all was there to remove
    assert "HTMLOK".encode("utf-16-be") in carried.info["icc_profile"]
    assert carried.getexif()[0x010F] == "PhoneCo"
    tags = _exiftool_groups(released.data, tmp_path)
    groups = {key.split(":")[0] for key in tags if ":" in key}
    assert groups - _STRUCTURAL - {g for g in groups if g.startswith("ICC")} == set(), tags
    assert not [k for k in tags if k.endswith((":Comment", ":Location", ":XMP"))], tags
    dump = json.dumps(tags)
    assert not [m for m in MARKERS if m in dump], dump
    assert not [m for m in MARKERS if m.encode() in released.data]
    assert "HTMLOK".encode("utf-16-be") not in released.data
    # The colour profile is our own sRGB one, the colours converted to it.
    assert tags.get("ICC_Profile:ProfileDescription") == "sRGB built-in"
    red, green, blue = Image.open(io.BytesIO(released.data)).convert("RGB").getpixel((30, 20))
    assert abs(red - 10) < 12 and abs(green - 120) < 12 and abs(blue - 200) < 12
    # What the report says was removed was there, and is gone.
    claimed = set(released.metadata_removed)
    assert {"Make", "GPSInfo", "XMP"} <= claimed and released.gps
    assert ("Comment" in claimed) == (fmt == "JPEG")
    if fmt == "PNG":
        assert {"PNG text: Comment", "PNG text: Location"} <= claimed


def test_a_polyglot_jpeg_keeps_no_comment_segment(tmp_path: Path) -> None:
    polyglot = encoded(Image.new("RGB", (90, 60), (200, 200, 200)), "JPEG", comment=HTML)
    clean = sanitise(decode(polyglot, LIMITS))
    assert b"<html" not in clean.data and b"\xff\xfe" not in clean.data  # no COM marker
    assert "Comment" not in {k.split(":")[-1] for k in _exiftool_groups(clean.data, tmp_path)}
    assert clean.metadata_removed == ("Comment",)


def test_large_photos_are_stored_at_the_size_that_is_checked_and_published() -> None:
    options = CheckOptions()
    # A 48-megapixel JPEG is decoded at half scale by libjpeg itself; a large PNG is
    # reduced by a whole factor; neither is ever stored above 4096 pixels a side.
    jpeg = encoded(Image.new("RGB", (8064, 6048), (90, 90, 90)), "JPEG", quality=70)
    assert decode_cost(jpeg, options.image_limits) == 4032 * 3024
    assert Image.open(io.BytesIO(process_upload(jpeg, "p", options.image_limits).data)).size \
        == (4032, 3024)
    png = encoded(Image.new("RGB", (5000, 200), (90, 90, 90)), "PNG")
    assert decode_cost(png, options.image_limits) == 5000 * 200
    assert Image.open(io.BytesIO(process_upload(png, "p", options.image_limits).data)).size \
        == (2500, 100)
    sideways = Image.new("RGB", (6000, 100), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = encoded(sideways, "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(process_upload(turned, "p", options.image_limits).data)).size \
        == (50, 3000)  # halved by libjpeg, then turned upright
