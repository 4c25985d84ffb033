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
                                 "not a link", "https://facebook.com/123",
                                 "https://evil.example\\@classdojo.com/",
                                 "https://evil.example@home.classdojo.com/",
                                 "https://:pw@home.classdojo.com/",
                                 "https://home.classdojo.com:444/", "https://evil.classdojo.com/",
                                 "javascript:alert(1)//classdojo.com",
                                 "https://home.classdojo.com/a b"])
def test_only_an_https_class_dojo_link_is_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="not a Class Dojo link"):
        check_link(url)


def test_a_class_dojo_link_is_accepted_as_pasted() -> None:
    assert check_link("  https://home.classdojo.com/#/story/abc123 ") == \
        "https://home.classdojo.com/#/story/abc123"


@pytest.mark.parametrize(("channel", "url"), [
    ("facebook", "https://evil.example\\@facebook.com/1"),
    ("facebook", "https://evil.example@www.facebook.com/1"),
    ("facebook", "https://facebook.com.evil.example/1"), ("facebook", "http://facebook.com/1"),
    ("twitter", "https://evil.example\\@x.com/s/1"), ("twitter", "https://user@x.com/s/1"),
    ("twitter", "https://notx.com/s/1"), ("twitter", "https://x.com.evil.example/s/1")])
def test_facebook_and_x_links_are_checked_the_same_way(channel: str, url: str) -> None:
    from secondlook.release.service import check_post_link

    with pytest.raises(ValueError, match=f"not a link to a {channel} post"):
        check_post_link(channel, url)


def test_real_post_links_are_kept() -> None:
    from secondlook.release.service import check_post_link

    assert check_post_link("facebook", "https://www.facebook.com/1122_77") == \
        "https://www.facebook.com/1122_77"
    assert check_post_link("twitter", " https://x.com/oakfieldpri/status/19 ") == \
        "https://x.com/oakfieldpri/status/19"
