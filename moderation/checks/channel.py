"""Will each target channel accept the post? Length, image count and image size.

Limits are data (``consent_store.channels``); this check only compares.
Image sizes are those of the bytes in the draft, which are what release sends.
A post a channel would refuse blocks: it cannot go out until the draft changes.
"""

from __future__ import annotations

from collections.abc import Iterator

from consent_store.channels import MB, Channel, channel
from moderation.checks.base import CheckContext
from moderation.draft import DraftImage
from moderation.findings import Finding, Severity
from moderation.weighted_length import weighted_length


def _finding(rule: str, message: str, suggestion: str, image: int | None = None) -> Finding:
    return Finding(
        check="channel", severity=Severity.BLOCK, rule=rule, message=message,
        policy="", suggestion=suggestion, image=image,
    )


def _text_length(text: str, limits: Channel) -> int:
    return weighted_length(text).weighted if limits.weighted_text else len(text)


def _length_findings(text: str, name: str, limits: Channel) -> Iterator[Finding]:
    if limits.max_text is None:
        return
    length = _text_length(text, limits)
    if length <= limits.max_text:
        return
    how = " (links count 23, emoji and CJK characters 2)" if limits.weighted_text else ""
    yield _finding(
        f"channel.{name}.text-too-long",
        f"{limits.label} counts this post as {length} characters{how}; "
        f"its limit is {limits.max_text}.",
        f"Shorten the text by {length - limits.max_text} characters, "
        f"or untick {limits.label}.",
    )


def _image_findings(images: tuple[DraftImage, ...], name: str,
                    limits: Channel) -> Iterator[Finding]:
    if limits.max_images is not None and len(images) > limits.max_images:
        yield _finding(
            f"channel.{name}.too-many-images",
            f"{limits.label} takes at most {limits.max_images} images; "
            f"this post has {len(images)}.",
            f"Remove {len(images) - limits.max_images} image(s), or untick {limits.label}.",
        )
    if limits.max_image_bytes is None:
        return
    for index, image in enumerate(images):
        if len(image.data) > limits.max_image_bytes:
            yield _finding(
                f"channel.{name}.image-too-large",
                f"Image {index + 1}{_named(image.name)} is {len(image.data) / MB:.1f} MB; "
                f"{limits.label} takes images up to {limits.max_image_bytes / MB:.0f} MB.",
                "Use a smaller copy of the photo (e.g. resize it to 2048 pixels wide).",
                image=index,
            )


def _named(name: str) -> str:
    return f" ({name})" if name else ""


class ChannelCheck:
    name = "channel"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        draft = ctx.draft
        for name in draft.channels:
            limits = channel(name)
            yield from _length_findings(draft.text, name, limits)
            yield from _image_findings(draft.images, name, limits)
