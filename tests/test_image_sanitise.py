"""The released copy carries no metadata (checked with exiftool and piexif), keeps its colours."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import piexif
from PIL import Image, ImageCms, PngImagePlugin

from moderation.images.decode import Limits, decode
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
