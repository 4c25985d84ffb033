"""The channels Second Look publishes to, in one place: names, labels and what each accepts.

Photo consent is given per channel, so the register import, the checks, the
release adapters and the pages all read the list from here. Limits are the
platforms' published ones (X: developer docs and twitter-text's v3 config;
Facebook: Graph API photo upload limits); ``None`` means the platform publishes
no limit we can check against (Class Dojo has no public API).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Channel:
    name: str  # as in the register CSV and the report JSON
    label: str  # as people read it
    api: bool  # released through the platform's API; otherwise by a manual export
    max_text: int | None  # in the channel's own unit (see ``weighted_text``)
    weighted_text: bool  # True: X's weighted length; False: code points
    max_images: int | None
    max_image_bytes: int | None  # the largest size accepted, inclusive
    max_alt_text: int | None


_ALL = (
    # 63,206 characters is the Page post limit; photos must be under 10 MB.
    Channel("facebook", "Facebook", api=True, max_text=63_206, weighted_text=False,
            max_images=None, max_image_bytes=10 * MB - 1, max_alt_text=None),
    Channel("twitter", "X (Twitter)", api=True, max_text=280, weighted_text=True,
            max_images=4, max_image_bytes=5 * MB, max_alt_text=1000),
    Channel("classdojo", "Class Dojo", api=False, max_text=None, weighted_text=False,
            max_images=None, max_image_bytes=None, max_alt_text=None),
)
CHANNELS: tuple[str, ...] = tuple(c.name for c in _ALL)
_BY_NAME = {c.name: c for c in _ALL}


def channel(name: str) -> Channel:
    """The channel called ``name``; KeyError for a name that is not one of ``CHANNELS``."""
    return _BY_NAME[name]


def label(name: str) -> str:
    return _BY_NAME[name].label


def labels(names: list[str] | tuple[str, ...]) -> str:
    """"Facebook and X (Twitter)": several channels as a sentence names them."""
    words = [label(n) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
