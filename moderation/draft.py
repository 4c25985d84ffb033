"""The input of a check: text, images with alt text, target channels."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from consent_store.channels import CHANNELS

# A post is at most a few thousand characters (X: 280, a long Facebook post: ~2,000).
# Longer input is refused before anything parses it: spaCy's cost and memory grow with
# the text, and a 300 KB text cost 18 s and 1 GB.
MAX_TEXT_CHARS = 5_000


class DraftError(ValueError):
    """A draft that cannot be checked as given (unknown channel, unreadable file...)."""


class UnusableText(DraftError):
    """The text is empty (and there is no photo) or longer than ``MAX_TEXT_CHARS``."""


def require_usable_text(text: str, *, has_images: bool = False, where: str = "the text") -> None:
    """Refuse, before any parsing, a text with nothing to check or over the limit."""
    if len(text) > MAX_TEXT_CHARS:
        raise UnusableText(
            f"{where} is {len(text):,} characters long; a post can have at most "
            f"{MAX_TEXT_CHARS:,} characters: shorten it or split it into several posts"
        )
    if not text.strip() and not has_images:
        raise UnusableText(f"nothing to check: {where} is empty and there is no photo")


def photo_label(index: int, name: str = "") -> str:
    """How people count photos: from 1, with the file name when there is one."""
    return f"photo {index + 1}" + (f" ({name})" if name else "")


@dataclass(frozen=True, slots=True)
class DraftImage:
    data: bytes
    alt: str = ""
    name: str = ""  # where it came from, for messages only
    # What re-encoding the upload removed, when ``data`` is already the metadata-free
    # copy that will be published (the workflow stores only such copies): the checks
    # then report it as fixed, though ``data`` itself no longer carries it.
    removed: tuple[str, ...] = field(default=(), compare=False)
    gps: bool = field(default=False, compare=False)  # the upload said where it was taken

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    images: tuple[DraftImage, ...] = ()
    channels: tuple[str, ...] = CHANNELS
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown:
            raise DraftError(
                f"unknown channel {unknown[0]!r}: use one of {', '.join(CHANNELS)}"
            )
        if not self.channels:
            raise DraftError("a draft needs at least one channel")

    @classmethod
    def create(
        cls, text: str, images: list[DraftImage] | None = None, channels: list[str] | None = None
    ) -> Draft:
        chans = tuple(dict.fromkeys(c.strip().lower() for c in channels)) if channels else CHANNELS
        return cls(text=text, images=tuple(images or ()), channels=chans)

    def content_sha256(self) -> str:
        """Hash of exactly what would be published: text, image bytes, alt texts, channels."""
        canonical = {
            "text": self.text,
            "images": [{"sha256": i.sha256, "alt": i.alt} for i in self.images],
            "channels": sorted(self.channels),
        }
        blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()
