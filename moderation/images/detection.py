"""Where and at what scale to look for faces, so small faces in group photos are found fast.

dlib's HOG detector only sees faces at least as large as its 80-pixel window,
so faces of 35-80 px in a class photo need the photo enlarged first, which
costs the square of the factor. The strategy:

* **Small faces:** the photo, in greyscale (HOG on one channel costs a third),
  is cut into overlapping tiles; each tile is enlarged just enough for the
  smallest face wanted (``min_face``) to fill the window. Tiles overlap by more
  than the largest face this pass is responsible for, so every such face lies
  whole inside some tile.
* **Large faces:** one pass over the whole photo, shrunk so that faces too big
  for the tile overlap still fit the detector's pyramid.
* **Cores:** the tiles and the large pass are independent jobs for a process
  pool (dlib holds the GIL); results are mapped back and duplicates merged.

Encoding (landmarks + ResNet) runs on small crops around each face, in the
same pool.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from moderation.images.faces import ENCODING_SIZE, FaceBackend
from moderation.report import FaceBox

# Below this many (enlarged) pixels the pool's copying costs more than it saves.
_POOL_MIN_PIXELS = 3_000_000
_ENCODE_CHUNK = 16


@dataclass(frozen=True, slots=True)
class DetectionPlan:
    min_face: int = 36  # smallest face side to find, in photo pixels
    tile: int = 1400  # tile side in photo pixels, before enlarging
    overlap: int = 160  # faces up to this size are the tiles' job; larger ones the whole pass


@dataclass(frozen=True, slots=True)
class _Job:
    top: int
    left: int
    scale: float
    pixels: np.ndarray


def make_pool(workers: int) -> Executor:
    """A pool started by forkserver: safe inside a threaded web server, unlike fork."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))


def detect(
    rgb: np.ndarray, backend: FaceBackend, plan: DetectionPlan, pool: Executor | None = None
) -> list[FaceBox]:
    """Every face box in the photo, in photo coordinates, duplicates merged."""
    pixels = _to_grey(rgb) if getattr(backend, "greyscale", False) else rgb
    jobs = list(_jobs(pixels, backend.window, plan))
    enlarged = sum(j.pixels.shape[0] * j.pixels.shape[1] * j.scale**2 for j in jobs)
    if pool is None or len(jobs) < 2 or enlarged < _POOL_MIN_PIXELS:
        found = [_run_job(backend, job) for job in jobs]
    else:
        found = list(pool.map(_run_job, [backend] * len(jobs), jobs))
    return merge([hit for hits in found for hit in hits])


def encode(
    rgb: np.ndarray, boxes: Sequence[FaceBox], backend: FaceBackend, pool: Executor | None = None
) -> np.ndarray:
    """One encoding per box, computed on crops so workers receive little data."""
    if not boxes:
        return np.zeros((0, ENCODING_SIZE))
    crops = [_crop(rgb, box) for box in boxes]
    chunks = [crops[i : i + _ENCODE_CHUNK] for i in range(0, len(crops), _ENCODE_CHUNK)]
    if pool is None or len(chunks) < 2:
        parts = [_encode_chunk(backend, chunk) for chunk in chunks]
    else:
        parts = list(pool.map(_encode_chunk, [backend] * len(chunks), chunks))
    return np.vstack(parts)


def _to_grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L"))


def _jobs(pixels: np.ndarray, window: int, plan: DetectionPlan) -> Iterator[_Job]:
    height, width = pixels.shape[:2]
    small_scale = max(1.0, window / plan.min_face)
    rows = _spans(height, plan.tile, plan.overlap)
    cols = _spans(width, plan.tile, plan.overlap)
    for top, bottom in rows:
        for left, right in cols:
            yield _Job(top, left, small_scale, pixels[top:bottom, left:right])
    if len(rows) * len(cols) > 1:
        # Faces larger than ~3/4 of the overlap may be cut by every tile: find them whole.
        yield _Job(0, 0, min(1.0, window / (0.75 * plan.overlap)), pixels)


def _spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """Equal tiles covering ``length``, each overlapping the next by exactly ``overlap``."""
    count = max(1, -(-length // tile))
    size = -(-(length + (count - 1) * overlap) // count)
    starts = [min(i * (size - overlap), length - size) for i in range(count)]
    return [(max(0, s), min(length, s + size)) for s in starts]


def _run_job(backend: FaceBackend, job: _Job) -> list[tuple[FaceBox, float]]:
    pixels = _resize(job.pixels, job.scale)
    hits = backend.detect_faces(pixels)
    return [(_unscale(box, job), score) for box, score in hits]


def _resize(pixels: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return pixels
    height, width = pixels.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR))


def _unscale(box: FaceBox, job: _Job) -> FaceBox:
    def at(value: int, offset: int) -> int:
        return round(value / job.scale) + offset

    return FaceBox(
        top=at(box.top, job.top),
        right=at(box.right, job.left),
        bottom=at(box.bottom, job.top),
        left=at(box.left, job.left),
    )


def merge(hits: list[tuple[FaceBox, float]], overlap: float = 0.5) -> list[FaceBox]:
    """Keep the best-scoring box of each face; a box mostly inside a kept one is the same face."""
    kept: list[FaceBox] = []
    for box, _ in sorted(hits, key=lambda h: (-h[1], -_area(h[0]))):
        if all(_shared(box, other) < overlap for other in kept):
            kept.append(box)
    return sorted(kept, key=lambda b: (b.top, b.left))


def _area(box: FaceBox) -> int:
    return max(0, box.bottom - box.top) * max(0, box.right - box.left)


def _shared(a: FaceBox, b: FaceBox) -> float:
    """Intersection over the smaller box: catches a face cut at a tile edge."""
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    width = min(a.right, b.right) - max(a.left, b.left)
    if height <= 0 or width <= 0:
        return 0.0
    return height * width / max(1, min(_area(a), _area(b)))


def _crop(rgb: np.ndarray, box: FaceBox) -> tuple[np.ndarray, FaceBox]:
    """The face with a margin of one face size: enough for landmarks and the aligned chip."""
    side = max(box.bottom - box.top, box.right - box.left)
    top, left = max(0, box.top - side), max(0, box.left - side)
    bottom = min(rgb.shape[0], box.bottom + side)
    right = min(rgb.shape[1], box.right + side)
    inner = FaceBox(box.top - top, box.right - left, box.bottom - top, box.left - left)
    return np.ascontiguousarray(rgb[top:bottom, left:right]), inner


def _encode_chunk(backend: FaceBackend, crops: list[tuple[np.ndarray, FaceBox]]) -> np.ndarray:
    rows = [backend.encode_faces(crop, [box])[0] for crop, box in crops]
    return np.asarray(rows, dtype=np.float64).reshape(-1, ENCODING_SIZE)
