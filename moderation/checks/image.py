"""The image check: every photo decoded safely, once, and what it carries besides pixels.

It appends one ``ImageReport`` per photo it could decode and leaves the pixels
in ``ctx.decoded`` for the face check. A photo it cannot decode blocks the draft
with a finding that says what to do, never a traceback. The metadata a photo
carries is listed as removed: the copy that is published is re-encoded from
pixels (``moderation.images.sanitise``), and a photo the workflow already
re-encoded brings the list of what its upload had (``DraftImage.removed``).
"""

from __future__ import annotations

from collections.abc import Iterator

from PIL import Image

from moderation.checks.base import CheckContext
from moderation.draft import DraftImage, photo_label
from moderation.findings import Finding, Severity
from moderation.images.decode import ImageRejected, decode
from moderation.images.sanitise import found_metadata
from moderation.report import ImageReport


class ImageCheck:
    name = "image"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        options = ctx.resources.options
        images = ctx.draft.images
        if len(images) > options.images_per_draft:
            yield _too_many(len(images), options.images_per_draft)
        for index, upload in enumerate(images[: options.images_per_draft]):
            label = photo_label(index, upload.name)
            try:
                decoded = ctx.decoded[index] = decode(upload.data, options.image_limits, label)
            except ImageRejected as exc:
                yield _rejected(index, exc)
                continue
            removed, gps = _carried(upload, decoded.source)
            ctx.image_reports.append(
                ImageReport(index, upload.sha256, decoded.width, decoded.height, removed)
            )
            if gps:
                yield _gps(index, label)


def _carried(upload: DraftImage, source: Image.Image) -> tuple[tuple[str, ...], bool]:
    """What the file holds now plus what its upload held before re-encoding."""
    found, gps = found_metadata(source)
    return tuple(sorted({*found, *upload.removed})), gps or upload.gps


def _rejected(index: int, exc: ImageRejected) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule=exc.rule, message=exc.message,
        policy="", suggestion=exc.suggestion, image=index,
    )


def _too_many(count: int, limit: int) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule="image.too-many",
        message=f"The draft has {count} photos; at most {limit} can be checked in one post.",
        policy="",
        suggestion=f"Keep the best {limit} photos, or split them across several posts.",
    )


def _gps(index: int, label: str) -> Finding:
    return Finding(
        check="image", severity=Severity.INFO, rule="image.gps-location",
        message=(
            f"{label.capitalize()} recorded where it was taken (a GPS position). "
            "The copy that will be published has no location or other metadata."
        ),
        policy="",
        suggestion="Nothing to do for this post; turn off location tagging in the camera app.",
        image=index,
    )
