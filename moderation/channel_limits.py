"""What each channel accepts, as data: the checks and the release adapters share it.

Figures are the platforms' published limits (X: developer docs and twitter-text's
v3 config; Facebook: Graph API photo upload limits). A school's channel that
changes a limit changes one line here. ``None`` means the platform publishes no
limit we can check against (Class Dojo has no public API).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    label: str
    max_text: int | None  # in the channel's own unit (see ``weighted_text``)
    weighted_text: bool  # True: X's weighted length; False: code points
    max_images: int | None
    max_image_bytes: int | None  # the largest size accepted, inclusive
    max_alt_text: int | None


LIMITS: dict[str, ChannelLimits] = {
    "twitter": ChannelLimits(
        label="X (Twitter)", max_text=280, weighted_text=True,
        max_images=4, max_image_bytes=5 * MB, max_alt_text=1000,
    ),
    "facebook": ChannelLimits(
        # 63,206 characters is the Page post limit; photos must be under 10 MB.
        label="Facebook", max_text=63_206, weighted_text=False,
        max_images=None, max_image_bytes=10 * MB - 1, max_alt_text=None,
    ),
    "classdojo": ChannelLimits(
        label="Class Dojo", max_text=None, weighted_text=False,
        max_images=None, max_image_bytes=None, max_alt_text=None,
    ),
}


def limits_for(channel: str) -> ChannelLimits:
    return LIMITS[channel]
