"""Class Dojo is released by hand: a zip of exactly the approved content, then the link."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

import pytest

from secondlook.release.classdojo import check_link, export_zip
from secondlook.release.content import ReleaseRefused
from tests.fakes.content import content


def test_the_zip_holds_the_exact_text_photos_and_alt_texts() -> None:
    item = content("Reception's trip to the farm 🐄", photos=2, channels=("classdojo",))
    zf = zipfile.ZipFile(io.BytesIO(export_zip(item)))
    assert zf.read("post.txt").decode() == item.text
    assert zf.read("photo-01.jpg") == item.images[0].data
    assert zf.read("photo-02.jpg") == item.images[1].data
    assert zf.read("alt-text.txt").decode().splitlines() == [
        "photo-01.jpg: Relay race, lane 1", "photo-02.jpg: Relay race, lane 2"]
    assert json.loads(zf.read("manifest.json"))["content_sha256"] == item.approved_sha256


def test_the_same_content_gives_the_same_zip_and_edited_content_none() -> None:
    item = content(photos=1, channels=("classdojo",))
    assert export_zip(item) == export_zip(item)
    with pytest.raises(ReleaseRefused):
        export_zip(replace(item, text="changed after approval"))


@pytest.mark.parametrize("url", ["http://www.classdojo.com/x", "https://classdojo.com.evil.io/p",
                                 "not a link", "https://facebook.com/123"])
def test_only_an_https_class_dojo_link_is_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="not a Class Dojo link"):
        check_link(url)


def test_a_class_dojo_link_is_accepted_as_pasted() -> None:
    assert check_link("  https://home.classdojo.com/#/story/abc123 ") == \
        "https://home.classdojo.com/#/story/abc123"
