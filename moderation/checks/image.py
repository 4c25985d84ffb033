"""The image check: every photo decoded safely once, and a metadata-free copy made.

Its results are shared with the face check through ``ctx.artifacts``; it
appends one ``ImageReport`` per photo it could decode (the face check adds the
faces). A photo it cannot decode blocks the draft with a finding that says
what to do, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from moderation import policy
from moderation.findings import Finding, Severity
from moderation.images.decode import DecodedImage, ImageRejected, Limits, decode
from moderation.images.sanitise import SanitisedImage, sanitise
from moderation.report import ImageReport
from secondlook.config import get_settings

if TYPE_CHECKING:
    from moderation.pipeline import CheckContext

POLICY_IMAGES = policy.IMAGE_CONSENT
POLICY_LOCATION = policy.LOCATION
DECODED = "images.decoded"  # artifacts key: {index: DecodedImage}
RELEASED = "images.released"  # artifacts key: {index: SanitisedImage}


def photo_label(index: int, name: str = "") -> str:
    """How people count photos: from 1, with the file name when there is one."""
    return f"photo {index + 1}" + (f" ({name})" if name else "")


class ImageCheck:
    name = "image"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        settings = get_settings()
        limits = Limits(settings.image_max_bytes, settings.image_max_pixels)
        decoded: dict[int, DecodedImage] = ctx.artifacts.setdefault(DECODED, {})
        released: dict[int, SanitisedImage] = ctx.artifacts.setdefault(RELEASED, {})
        images = ctx.draft.images
        if len(images) > settings.images_per_draft:
            yield _too_many(len(images), settings.images_per_draft)
        for index, upload in enumerate(images[: settings.images_per_draft]):
            label = photo_label(index, upload.name)
            try:
                decoded[index] = decode(upload.data, limits, label)
            except ImageRejected as exc:
                yield _rejected(index, exc)
                continue
            released[index] = clean = sanitise(decoded[index])
            ctx.image_reports.append(
                ImageReport(index, upload.sha256, clean.width, clean.height, clean.metadata_removed)
            )
            if clean.gps:
                yield gps_finding(index, label)


def _rejected(index: int, exc: ImageRejected) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule=exc.rule, message=exc.message,
        policy=POLICY_IMAGES, suggestion=exc.suggestion, image=index,
    )


def _too_many(count: int, limit: int) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule="image.too-many",
        message=f"The draft has {count} photos; at most {limit} can be checked in one post.",
        policy=POLICY_IMAGES,
        suggestion=f"Keep the best {limit} photos, or split them across several posts.",
    )


def gps_finding(index: int, label: str) -> Finding:
    return Finding(
        check="image", severity=Severity.INFO, rule="image.gps-location",
        message=(
            f"{label.capitalize()} recorded where it was taken (a GPS position). "
            "The copy that will be published has no location or other metadata."
        ),
        policy=POLICY_LOCATION,
        suggestion="Nothing to do for this post; turn off location tagging in the camera app.",
        image=index,
    )
