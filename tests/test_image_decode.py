"""Safe decoding: allowed formats by content, limits before decoding, awkward modes, orientation."""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from moderation.findings import Severity
from moderation.images.decode import ImageRejected, Limits, decode
from tests.conftest import snapshot
from tests.image_support import configure, encoded, fake_engine, of_check, run

LIMITS = Limits(max_bytes=10_000_000, max_pixels=50_000_000)


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size (a decompression bomb's trick)."""
    data = encoded(Image.new("RGB", (1, 1)), "PNG")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return data[:8] + patched + data[8 + len(patched) :]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_allowed_formats_decode_to_upright_rgb(fmt: str) -> None:
    data = encoded(Image.new("RGB", (64, 48), (200, 30, 30)), fmt)
    image = decode(data, LIMITS)
    assert (image.width, image.height) == (64, 48)
    red, green, blue = image.rgb()[24, 32]
    assert red > 150 and green < 80 and blue < 80


@pytest.mark.parametrize(("fmt", "kind"), [("GIF", "GIF"), ("TIFF", "TIFF"), ("BMP", "BMP")])
def test_other_formats_are_refused_by_content_not_name(engine, fmt, kind) -> None:  # noqa: ANN001
    data = encoded(Image.new("RGB", (32, 32), (0, 0, 255)), fmt)
    report = run(fake_engine(engine), snapshot(), data)  # the draft calls it IMG_0.jpg
    [finding] = of_check(report, "image")
    assert finding.rule == "image.unsupported-format"
    assert finding.severity == Severity.BLOCK
    assert kind in finding.message and "IMG_0.jpg" in finding.message
    assert "JPEG" in finding.suggestion
    assert report.images == ()


def test_text_file_is_not_an_image(engine) -> None:  # noqa: ANN001
    report = run(fake_engine(engine), snapshot(), b"hello, this is not a photo")
    [finding] = of_check(report, "image")
    assert finding.rule == "image.unsupported-format"
    assert str(report.verdict) == "block"


def test_decompression_bomb_refused_from_header_without_decoding() -> None:
    started = time.perf_counter()
    for width, height in [(8000, 8000), (100_000, 100_000)]:
        with pytest.raises(ImageRejected) as caught:
            decode(_png_declaring(width, height), LIMITS)
        assert caught.value.rule == "image.too-many-pixels"
    assert "8000×8000" in _message(_png_declaring(8000, 8000))
    assert time.perf_counter() - started < 1.0  # nothing was decompressed


def _message(data: bytes) -> str:
    try:
        decode(data, LIMITS)
    except ImageRejected as exc:
        return exc.message
    raise AssertionError("not refused")


def test_file_size_limit_is_a_finding_with_the_limit(engine) -> None:  # noqa: ANN001
    configure(engine, image_max_bytes=1000)
    noisy = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    report = run(fake_engine(engine), snapshot(), encoded(Image.fromarray(noisy), "PNG"))
    [finding] = of_check(report, "image")
    assert finding.rule == "image.too-large" and "limit" in finding.message


def test_images_beyond_the_per_draft_limit_block(engine) -> None:  # noqa: ANN001
    configure(engine, images_per_draft=2)
    small = encoded(Image.new("RGB", (8, 8)), "PNG")
    report = run(fake_engine(engine), snapshot(), small, small, small)
    assert [f.rule for f in of_check(report, "image")] == ["image.too-many"]
    assert len(report.images) == 2


def test_truncated_jpeg_is_a_finding_not_a_traceback(engine) -> None:  # noqa: ANN001
    noisy = np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noisy), "JPEG")
    report = run(fake_engine(engine), snapshot(), data[: len(data) // 2])
    [finding] = of_check(report, "image")
    assert finding.rule == "image.corrupt"
    assert "photo 1 (IMG_0.jpg)" in finding.message
    assert "again" in finding.suggestion


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_refused(fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0))]
    data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(ImageRejected) as caught:
        decode(data, LIMITS)
    assert caught.value.rule == "image.animated" and "2 frames" in caught.value.message


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour() -> None:
    data = encoded(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG", quality=95)
    red, green, blue = decode(data, LIMITS).rgb()[10, 10]
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    levels = np.array([[0, 32768, 65535]], dtype=np.uint16).repeat(4, axis=0)
    data = encoded(Image.fromarray(levels), "PNG")
    row = decode(data, LIMITS).rgb()[0, :, 0]
    assert row[0] == 0 and 120 <= row[1] <= 135 and row[2] == 255


def test_palette_transparency_is_flattened_onto_white() -> None:
    image = Image.new("P", (10, 10), 0)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 5, 10))
    data = encoded(image, "PNG", transparency=0)
    rgb = decode(data, LIMITS).rgb()
    assert tuple(rgb[5, 2]) == (200, 0, 0)  # opaque red half
    assert tuple(rgb[5, 8]) == (255, 255, 255)  # transparent half shows as white


def test_exif_orientation_is_applied_before_anything_else(engine) -> None:  # noqa: ANN001
    sideways = Image.new("RGB", (40, 20), (0, 0, 255))
    sideways.paste((255, 0, 0), (0, 0, 20, 20))  # red on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated 90° clockwise
    data = encoded(sideways, "JPEG", exif=exif.tobytes(), quality=95)
    upright = decode(data, LIMITS)
    assert (upright.width, upright.height) == (20, 40)
    assert upright.rgb()[5, 10][0] > 200  # red is now at the top
    report = run(fake_engine(engine), snapshot(), data)
    assert (report.images[0].width, report.images[0].height) == (20, 40)
    assert "Orientation" in report.images[0].metadata_removed
