"""What one draft's photos may cost together, refused before any of them is decoded.

Each photo is limited on its own (``Limits``: file size, pixels from the header).
A draft is limited as a whole too, so that it costs at most a few seconds and a
few hundred MiB whatever its files claim: at most ``images_per_draft`` photos,
and at most ``pixel_budget`` pixels decoded for all of them together (what
``decode_cost`` reads from each header: a large JPEG counts at the reduced size
libjpeg decodes it at). Both are checked on names and headers only; a draft over
either is refused whole, saying which photo is past the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from moderation.draft import DraftError, photo_label
from moderation.images.decode import ImageRejected, Limits, decode_cost


class UnusablePhotos(DraftError):
    """The draft's photos are more than one draft may carry; none of them was decoded."""


def require_photo_count(names: Sequence[str], limit: int) -> None:
    """Refuse, before reading any file, a draft with more than ``limit`` photos."""
    if len(names) <= limit:
        return
    extra = [photo_label(n, name) for n, name in enumerate(names) if n >= limit]
    shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
    raise UnusablePhotos(
        f"the draft has {len(names)} photos; a post can have at most {limit}: {shown} "
        f"{'is' if len(extra) == 1 else 'are'} over the limit. Nothing was checked or saved: "
        f"keep the best {limit} photos, or split them across several posts"
    )


def photo_costs(photos: Sequence[tuple[str, bytes]], limits: Limits) -> list[int]:
    """Pixels each photo takes to decode, from its header; 0 for a photo its header already
    refuses (that photo gets its own message when it is decoded)."""
    costs = []
    for name, data in photos:
        try:
            costs.append(decode_cost(data, limits, name))
        except ImageRejected:
            costs.append(0)
    return costs


def first_over_budget(costs: Sequence[int], budget: int) -> int | None:
    """The index of the first photo that takes the running total past ``budget``."""
    total = 0
    for index, cost in enumerate(costs):
        total += cost
        if total > budget:
            return index
    return None


def over_budget_message(label: str, costs: Sequence[int], index: int, budget: int) -> str:
    return (
        f"{label} would take the photos of this draft to "
        f"{sum(costs[: index + 1]) / 1e6:,.0f} megapixels to decode; a draft can have "
        f"{budget / 1e6:,.0f} megapixels in all (about {budget // 12_000_000} phone photos "
        "of 12 megapixels). Photos from here on were not decoded"
    )


def require_pixel_budget(photos: Sequence[tuple[str, bytes]], limits: Limits,
                         budget: int) -> None:
    """Refuse, from the headers alone, photos that together take more than ``budget``
    pixels to decode (e.g. many lossless images of 50 megapixels)."""
    costs = photo_costs(photos, limits)
    index = first_over_budget(costs, budget)
    if index is None:
        return
    label = photo_label(index, photos[index][0])
    raise UnusablePhotos(
        over_budget_message(label, costs, index, budget) + ". Nothing was checked or saved: "
        "attach smaller copies (e.g. JPEG, 4000 pixels on the long side), or split the photos "
        "across several posts"
    )
