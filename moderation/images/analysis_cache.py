"""What a photo's analysis found, kept so an unchanged photo is never analysed twice.

Editing a draft's text, approving it, re-checking it against a changed register
or releasing it checks the same photos again. Each photo is keyed by the
SHA-256 of its processed bytes (exactly what will be published) and by what
decides the result (decoding limits; detection plan and encoder), so a hit is
the same answer recomputing would give:

* the image check's facts: size and the metadata the file carries, so the photo
  need not even be decoded again;
* the face check's boxes and, once someone is enrolled, their encodings. Matching
  against the register is redone every time (it costs milliseconds), so a changed
  register is always honoured.

Kept in this process's memory only: never written to a disk or a database, never
logged (the encodings have no repr). ``forget`` drops a photo's entries when its
draft is deleted; beyond ``max_photos`` the least recently used photo goes first,
and an entry unused for ``max_age`` seconds is dropped when next seen.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moderation.report import FaceBox

SERVICE = "analysis-cache"  # the engine service key


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What decoding a photo told the image check."""

    width: int
    height: int
    metadata: tuple[str, ...]  # what the file carries besides pixels
    gps: bool


@dataclass(frozen=True, slots=True, eq=False)
class FaceAnalysis:
    boxes: tuple[FaceBox, ...]
    # None: not computed (nobody enrolled, or matching turned off)
    encodings: np.ndarray | None = field(default=None, repr=False)


class AnalysisCache:
    def __init__(self, max_photos: int = 64, max_age: float = 24 * 3600) -> None:
        self.max_photos, self.max_age = max_photos, max_age
        self._photos: OrderedDict[str, tuple[float, dict[Hashable, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, variant: Hashable) -> Any:
        with self._lock:
            entry = self._photos.get(sha256)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.max_age:
                del self._photos[sha256]
                return None
            self._photos[sha256] = (time.monotonic(), entry[1])
            self._photos.move_to_end(sha256)
            return entry[1].get(variant)

    def put(self, sha256: str, variant: Hashable, value: Any) -> None:
        with self._lock:
            _, variants = self._photos.pop(sha256, (0.0, {}))
            variants[variant] = value
            self._photos[sha256] = (time.monotonic(), variants)
            while len(self._photos) > self.max_photos:
                self._photos.popitem(last=False)

    def forget(self, sha256s: Iterable[str]) -> int:
        """Drop everything kept about these photos; how many were held."""
        with self._lock:
            return sum(self._photos.pop(sha, None) is not None for sha in sha256s)

    def __len__(self) -> int:
        return len(self._photos)

    def __repr__(self) -> str:
        return f"AnalysisCache({len(self._photos)} photo(s))"
