"""Photos without metadata, and release content bound to its approved hash."""

from __future__ import annotations

import io

from PIL import Image

from secondlook.release.content import ReleaseContent, ReleaseImage


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48),
         exif: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def content(text: str = "Sports day: well done everyone!", photos: int = 0,
            channels: tuple[str, ...] = ("facebook", "twitter"), draft_id: int = 7,
            revision: int = 2) -> ReleaseContent:
    images = tuple(ReleaseImage(jpeg((40 * n, 120, 200)), alt=f"Relay race, lane {n + 1}",
                                name=f"IMG_{n}.jpg") for n in range(photos))
    unsigned = ReleaseContent(draft_id, revision, text, images, channels, approved_sha256="")
    return ReleaseContent(draft_id, revision, text, images, channels,
                          approved_sha256=unsigned.content_sha256())
