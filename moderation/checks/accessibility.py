"""Every image needs alt text, within each channel's limit.

Policy: no member of the community is excluded, so a photo without a
description for screen-reader users does not go out. A channel that would cut
or refuse a long description (X: 1,000 characters) blocks too.
"""

from __future__ import annotations

from collections.abc import Iterator

from consent_store.channels import channel as channel_of
from moderation.checks.base import CheckContext
from moderation.draft import DraftImage
from moderation.findings import Finding, Severity


def _missing(index: int, image: DraftImage) -> Finding:
    named = f" ({image.name})" if image.name else ""
    return Finding(
        check="accessibility", severity=Severity.BLOCK, rule="accessibility.alt-text-missing",
        message=f"Image {index + 1}{named} has no alt text: people using a screen reader "
        "would not know what it shows.",
        policy="",
        suggestion="Describe the photo in a sentence, e.g. 'Year 5 pupils running "
        "the relay on sports day' (no names unless the families agreed).",
        image=index,
    )


def _too_long(index: int, length: int, channel: str) -> Finding:
    limits = channel_of(channel)
    return Finding(
        check="accessibility", severity=Severity.BLOCK,
        rule=f"accessibility.{channel}.alt-text-too-long",
        message=f"The alt text of image {index + 1} is {length} characters; "
        f"{limits.label} takes at most {limits.max_alt_text}.",
        policy="",
        suggestion=f"Shorten it by {length - (limits.max_alt_text or 0)} characters.",
        image=index,
    )


class AccessibilityCheck:
    name = "accessibility"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for index, image in enumerate(ctx.draft.images):
            alt = image.alt.strip()
            if not alt:
                yield _missing(index, image)
                continue
            for channel in ctx.draft.channels:
                cap = channel_of(channel).max_alt_text
                if cap is not None and len(alt) > cap:
                    yield _too_long(index, len(alt), channel)
