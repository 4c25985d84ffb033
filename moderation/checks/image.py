"""The image check: every photo decoded safely, once, and what it carries besides pixels.

It appends one ``ImageReport`` per photo it could decode and leaves the pixels
in ``ctx.decoded`` for the face check. A photo seen before (same bytes, same
limits) is not decoded again: its facts come from the engine's analysis cache.
A photo it cannot decode blocks the draft with a finding that says what to do,
never a traceback. The metadata a photo carries is listed as removed: the copy
that is published is re-encoded from pixels (``moderation.images.sanitise``),
and a photo the workflow already re-encoded brings the list of what its upload
had (``DraftImage.removed``).
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.checks.base import CheckContext
from moderation.draft import DraftImage, photo_label
from moderation.findings import Finding, Severity
from moderation.images.analysis_cache import PhotoFacts
from moderation.images.budget import first_over_budget, over_budget_message, photo_costs
from moderation.images.decode import ImageRejected, decode
from moderation.report import ImageReport


class ImageCheck:
    name = "image"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        options = ctx.resources.options
        images = ctx.draft.images
        if len(images) > options.images_per_draft:
            yield _too_many(len(images), options.images_per_draft)
        images = images[: options.images_per_draft]
        # The edges refuse such a draft before this; here it fails closed all the same.
        costs = photo_costs([(u.name, u.data) for u in images], options.image_limits)
        stop = first_over_budget(costs, options.image_pixels_per_draft)
        for index, upload in enumerate(images):
            label = photo_label(index, upload.name)
            if stop is not None and index >= stop:
                yield _over_budget(index, label, costs, options.image_pixels_per_draft)
                continue
            try:
                facts = _facts(ctx, index, upload, label)
            except ImageRejected as exc:
                yield _rejected(index, exc)
                continue
            # what the file holds now plus what its upload held before re-encoding
            removed = tuple(sorted({*facts.metadata, *upload.removed}))
            ctx.image_reports.append(
                ImageReport(index, upload.sha256, facts.width, facts.height, removed)
            )
            if facts.gps or upload.gps:
                yield _gps(index, label)


def _facts(ctx: CheckContext, index: int, upload: DraftImage, label: str) -> PhotoFacts:
    """Decoding's findings; an unchanged photo's come from the engine's cache, undecoded."""
    limits = ctx.resources.options.image_limits
    cache = ctx.resources.analysis_cache()
    facts: PhotoFacts | None = cache.get(upload.sha256, ("image", limits))
    if facts is None:
        decoded = ctx.decoded[index] = decode(upload.data, limits, label)
        facts = PhotoFacts(decoded.width, decoded.height, decoded.metadata, decoded.gps)
        cache.put(upload.sha256, ("image", limits), facts)
    return facts


def _rejected(index: int, exc: ImageRejected) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule=exc.rule, message=exc.message,
        policy="", suggestion=exc.suggestion, image=index,
    )


def _over_budget(index: int, label: str, costs: list[int], budget: int) -> Finding:
    return Finding(
        check="image", severity=Severity.BLOCK, rule="image.draft-too-many-pixels",
        message=f"{over_budget_message(label, costs, index, budget)}.", policy="",
        suggestion="Attach smaller copies (e.g. JPEG, 4000 pixels on the long side), or split "
                   "the photos across several posts.",
        image=index,
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
