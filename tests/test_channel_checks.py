"""Channel limits and alt text: what the author sees before a channel refuses a post."""

from __future__ import annotations

from consent_store.channels import MB
from moderation.checks import default_checks
from moderation.draft import Draft, DraftImage
from moderation.pipeline import Engine, check
from tests.conftest import snapshot

PHOTO = b"\xff\xd8" + b"0" * 1000


def _report(blank_nlp, text: str, images=(), channels=("twitter",)):  # noqa: ANN001, ANN202
    draft = Draft.create(text, list(images), list(channels))
    # The image bytes here are placeholders, not photos: leave out the checks that decode them
    # (they have their own tests in test_image_*.py and test_faces_*.py).
    checks = [c for c in default_checks() if c.name not in ("image", "face", "cross")]
    return check(draft, snapshot(), Engine(nlp=blank_nlp, checks=checks))


def _rules(report) -> list[str]:  # noqa: ANN001
    return [f.rule for f in report.findings]


def test_a_post_over_280_weighted_characters_blocks_on_x_only(blank_nlp) -> None:
    text = "Well done Year 6! " + "日" * 135  # 18 + 270 = 288 on X, 153 characters on Facebook
    report = _report(blank_nlp, text, channels=("twitter", "facebook"))
    assert report.verdict == "block"
    (f,) = report.findings
    assert f.rule == "channel.twitter.text-too-long"
    assert "288" in f.message and "280" in f.message
    assert "by 8" in f.suggestion


def test_a_long_link_does_not_count_its_full_length(blank_nlp) -> None:
    text = "a" * 250 + " https://example.org/" + "x" * 100
    assert _report(blank_nlp, text).verdict == "pass"


def test_five_images_are_too_many_for_x_but_fine_for_facebook(blank_nlp) -> None:
    images = [DraftImage(PHOTO, alt=f"photo {i}") for i in range(5)]
    x = _report(blank_nlp, "Trip", images, ("twitter",))
    fb = _report(blank_nlp, "Trip", images, ("facebook",))
    assert _rules(x) == ["channel.twitter.too-many-images"]
    assert "Remove 1 image" in x.findings[0].suggestion
    assert fb.verdict == "pass"


def test_image_size_limits_per_channel(blank_nlp) -> None:
    six_mb = DraftImage(b"0" * (6 * MB), alt="The choir", name="choir.jpg")
    ten_mb = DraftImage(b"0" * (10 * MB), alt="The choir", name="big.jpg")
    exactly_five = DraftImage(b"0" * (5 * MB), alt="The choir")
    assert _rules(_report(blank_nlp, "Choir", [six_mb], ("twitter",))) == [
        "channel.twitter.image-too-large"
    ]
    assert _report(blank_nlp, "Choir", [six_mb], ("facebook",)).verdict == "pass"
    fb = _report(blank_nlp, "Choir", [exactly_five, ten_mb], ("facebook",))
    (f,) = fb.findings
    assert f.rule == "channel.facebook.image-too-large" and f.image == 1
    assert "big.jpg" in f.message
    assert _report(blank_nlp, "Choir", [exactly_five], ("twitter",)).verdict == "pass"


def test_every_image_needs_alt_text(blank_nlp) -> None:
    images = [DraftImage(PHOTO, alt="Children planting trees"), DraftImage(PHOTO, alt="  ")]
    report = _report(blank_nlp, "Planting", images, ("classdojo",))
    (f,) = report.findings
    assert (f.check, f.rule, f.image) == ("accessibility", "accessibility.alt-text-missing", 1)
    assert report.verdict == "block"


def test_alt_text_over_1000_characters_blocks_x_but_not_facebook(blank_nlp) -> None:
    long_alt = "A" * 1001
    images = [DraftImage(PHOTO, alt=long_alt)]
    both = _report(blank_nlp, "Art", images, ("twitter", "facebook"))
    assert _rules(both) == ["accessibility.twitter.alt-text-too-long"]
    assert "1001" in both.findings[0].message
    ok = _report(blank_nlp, "Art", [DraftImage(PHOTO, alt="A" * 1000)], ("twitter",))
    assert ok.verdict == "pass"
