"""A draft's photos are limited together, from names and headers, before any is decoded:
at most ``images_per_draft`` photos and ``image_pixels_per_draft`` pixels to decode
(issue 13.2). The CLI refuses such a draft as unusable input (exit 2), ``--batch`` gives that
line an error report, ``/api/check`` answers 422, and the image check fails closed."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from moderation.images.budget import UnusablePhotos, require_photo_count, require_pixel_budget
from moderation.images.decode import Limits
from secondlook.accounts.models import Role
from secondlook.cli import main
from tests.conftest import snapshot
from tests.image_support import configure, encoded, fake_engine, of_check, run
from tests.web_support import add_user, api_token, make_app

LIMITS = Limits(max_bytes=40 * 2**20, max_pixels=50_000_000)


@pytest.fixture(scope="module")
def zero_png(tmp_path_factory) -> Path:  # noqa: ANN001
    """146 KB that decodes to 50 megapixels."""
    path = tmp_path_factory.mktemp("bomb") / "zero.png"
    path.write_bytes(encoded(Image.new("RGB", (7071, 7071)), "PNG", compress_level=9))
    return path


def test_the_count_is_refused_by_name_before_any_file_is_read(cli_env, tmp_path, capsys
                                                                ) -> None:
    missing = [str(tmp_path / f"IMG_{n:02d}.jpg") for n in range(21)]  # none exists
    args = ["check", "--text", "Sports day", *[a for p in missing for a in ("--image", p)]]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "21 photos" in err and "at most 20" in err and "IMG_20.jpg" in err
    assert "no such file" not in err and "Traceback" not in err


def test_photos_over_the_pixel_budget_are_a_usage_error_before_decoding(
        cli_env, zero_png: Path, capsys) -> None:
    started = time.monotonic()
    args = ["check", "--text", "Sports day", *[a for _ in range(6)
                                               for a in ("--image", str(zero_png))]]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "photo 6" in err and "250 megapixels in all" in err and "Traceback" not in err
    assert time.monotonic() - started < 20  # headers only: six decodes took minutes


def test_batch_lines_over_the_limits_get_error_reports(cli_env, zero_png: Path, tmp_path,
                                                       capsys) -> None:
    lines = [{"id": "many", "text": "Hi", "images": [{"path": f"nope-{n}.jpg"}
                                                     for n in range(21)]},
             {"id": "big", "text": "Hi", "images": [{"path": str(zero_png)}] * 6},
             {"id": "ok", "text": "Term starts on Monday.", "channels": ["facebook"]}]
    path = tmp_path / "drafts.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["check", "--batch", str(path)]) == 3
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["many", "big", "ok"]
    assert "line 1:" in out[0]["error"] and "photo 21 (nope-20.jpg)" in out[0]["error"]
    assert "line 2:" in out[1]["error"] and "photo 6" in out[1]["error"]
    assert out[2]["verdict"] == "pass"


def test_api_check_refuses_too_many_photos_and_too_many_pixels(sqlite_db, blank_nlp,
                                                               zero_png: Path) -> None:
    app = make_app(sqlite_db, blank_nlp)
    token = api_token(sqlite_db, add_user(sqlite_db, "script", Role.AUTHOR))
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    small = base64.b64encode(encoded(Image.new("RGB", (8, 8)), "PNG")).decode()
    many = api.post("/api/check", json={"text": "Hi", "images": [
        {"data_base64": small, "name": f"p{n}.png"} for n in range(21)]})
    assert many.status_code == 422 and "photo 21 (p20.png)" in many.json()["detail"]
    bomb = base64.b64encode(zero_png.read_bytes()).decode()
    started = time.monotonic()
    big = api.post("/api/check", json={"text": "Hi", "images": [
        {"data_base64": bomb, "name": f"z{n}.png"} for n in range(6)]})
    assert big.status_code == 422 and "photo 6 (z5.png)" in big.json()["detail"]
    assert time.monotonic() - started < 20


def test_the_image_check_fails_closed_past_the_budget(engine) -> None:  # noqa: ANN001
    configure(engine, image_pixels_per_draft=25_000)
    photo = encoded(Image.new("RGB", (100, 100)), "PNG")  # 10,000 pixels each
    report = run(fake_engine(engine), snapshot(), photo, photo, photo, photo)
    over = of_check(report, "image")
    assert [(f.rule, f.image) for f in over] == [("image.draft-too-many-pixels", 2),
                                                 ("image.draft-too-many-pixels", 3)]
    assert "photo 3 (IMG_2.jpg)" in over[0].message and str(report.verdict) == "block"
    assert [i.index for i in report.images] == [0, 1]  # the others were never decoded


def test_the_budget_counts_a_large_jpeg_at_the_size_libjpeg_decodes_it() -> None:
    jpeg = encoded(Image.new("RGB", (8000, 6000), (50, 50, 50)), "JPEG", quality=60)
    photos = [(f"IMG_{n}.jpg", jpeg) for n in range(20)]  # 48 MP each, 12 MP decoded
    require_pixel_budget(photos, LIMITS, 250_000_000)
    with pytest.raises(UnusablePhotos, match="photo 6 .IMG_5.jpg."):
        require_pixel_budget(photos, LIMITS, 5 * 12_000_000)
    require_photo_count(["a"] * 20, 20)
    with pytest.raises(UnusablePhotos, match="photo 21"):
        require_photo_count(["a"] * 21, 20)
