"""Face detection and matching speed on a crowded 12-megapixel photo (``make bench``).

Builds a 4032×3024 photo with 200+ faces of 35-110 px by scaling and tiling the
public-domain fixture faces (adults; never photos of children), then measures in
the same run:

* recall and time of ``face_recognition.face_locations(img, number_of_times_to_upsample=1)``
  at full resolution (the baseline) against Second Look's tiled, pooled detector;
* encoding the faces found;
* matching 100 faces against 50,000 templates.

Targets (issue 4): recall at least the baseline's, at least 2× faster, matching < 50 ms.
Exits 1 when a target is missed. The speed ratio relies on the second core, so it is only
judged when the machine is not already busier than its cores (the load average and the
CPU-seconds of both sides are printed either way).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_store.snapshot import FaceTemplateSet  # noqa: E402
from moderation.images.detection import DetectionPlan, detect, encode, make_pool  # noqa: E402
from moderation.images.faces import DlibBackend  # noqa: E402
from moderation.images.matching import TemplateMatcher  # noqa: E402
from moderation.report import FaceBox  # noqa: E402
from secondlook.config import get_settings  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
WIDTH, HEIGHT = 4032, 3024
RUNS = 3
Box = tuple[float, float, float, float]  # top, right, bottom, left


def source_faces() -> list[tuple[Image.Image, FaceBox]]:
    """Every face dlib finds in the fixtures at native resolution, with its photo."""
    backend = DlibBackend()
    faces = []
    for path in sorted(FIXTURES.glob("*.jpg")):
        image = Image.open(path).convert("RGB")
        for box, _ in backend.detect_faces(np.asarray(image)):
            faces.append((image, box))
    return faces


def crowd(seed: int = 1) -> tuple[np.ndarray, list[Box]]:
    """Rows of scaled face crops (with hair and shoulders) on a textured background."""
    rng = random.Random(seed)
    faces = source_faces()
    noise = np.random.default_rng(seed).integers(60, 200, (HEIGHT // 8, WIDTH // 8, 3))
    canvas = Image.fromarray(noise.astype(np.uint8)).resize((WIDTH, HEIGHT), Image.BILINEAR)
    truth: list[Box] = []
    y = 10
    while y < HEIGHT - 40:
        x, row_height = 10, 0
        while True:
            size = rng.uniform(35, 110)
            image, box = rng.choice(faces)
            crop, face = _scaled_crop(image, box, size, flip=rng.random() < 0.5)
            if x + crop.width > WIDTH - 10 or y + crop.height > HEIGHT - 10:
                break
            canvas.paste(crop, (x, y))
            truth.append((y + face[0], x + face[1], y + face[2], x + face[3]))
            x += crop.width + rng.randint(0, 8)
            row_height = max(row_height, crop.height)
        if row_height == 0:
            break
        y += row_height + rng.randint(0, 8)
    return np.asarray(canvas), truth


def _scaled_crop(image: Image.Image, box: FaceBox, size: float, flip: bool
                 ) -> tuple[Image.Image, Box]:
    side = max(box.right - box.left, box.bottom - box.top)
    pad, scale = int(0.6 * side), size / side
    region = (box.left - pad, box.top - pad, box.right + pad, box.bottom + pad)
    crop = image.crop(region)
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
    top, left = pad * scale, pad * scale
    right, bottom = left + (box.right - box.left) * scale, top + (box.bottom - box.top) * scale
    if flip:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        left, right = crop.width - right, crop.width - left
    return crop, (top, right, bottom, left)


def recall(truth: list[Box], found: list[Box]) -> float:
    """Share of true faces with a detection overlapping it (IoU >= 0.3), one-to-one."""
    unused = list(found)
    hits = 0
    for face in truth:
        best = max(unused, key=lambda b: _iou(face, b), default=None)
        if best is not None and _iou(face, best) >= 0.3:
            unused.remove(best)
            hits += 1
    return hits / len(truth)


def _iou(a: Box, b: Box) -> float:
    height = min(a[2], b[2]) - max(a[0], b[0])
    width = min(a[1], b[1]) - max(a[3], b[3])
    if height <= 0 or width <= 0:
        return 0.0
    inter = height * width
    area = (a[2] - a[0]) * (a[1] - a[3]) + (b[2] - b[0]) * (b[1] - b[3])
    return inter / (area - inter)


def timed(fn):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def cpu_seconds(pool) -> float:  # noqa: ANN001
    """CPU time of this process and the pool's workers: shows work done, whatever the load."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [os.getpid(), *(getattr(pool, "_processes", None) or {})]
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


@dataclass
class Side:
    """Wall and CPU seconds of each run of one detector, and its last boxes."""

    name: str
    run: Callable[[], list[Box]]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    def measure(self, pool: Executor | None) -> None:
        cpu = cpu_seconds(pool)
        seconds, self.boxes = timed(self.run)
        self.wall.append(seconds)
        self.cpu.append(cpu_seconds(pool) - cpu)

    def line(self, truth: list[Box]) -> str:
        return (f"{self.name}: recall {recall(truth, self.boxes):.3f} ({len(self.boxes)} boxes), "
                f"median {statistics.median(self.wall):.2f} s of {RUNS}, "
                f"CPU {statistics.median(self.cpu):.2f} s")


def bench_detection(img: np.ndarray, truth: list[Box]) -> str:
    import face_recognition

    settings = get_settings()
    plan = DetectionPlan(settings.face_min_px, settings.face_tile_px, settings.face_tile_overlap_px)
    workers = settings.face_workers or os.cpu_count() or 1
    backend, pool = DlibBackend(), make_pool(workers) if workers > 1 else None
    detect(img, backend, plan, pool)  # warm-up: worker processes load the model once
    base = Side("baseline face_locations(upsample=1)",
                lambda: [tuple(map(float, b)) for b in face_recognition.face_locations(img, 1)])
    ours = Side(f"second look ({workers} workers, min face {plan.min_face} px, tiles "
                f"{plan.tile} px)", lambda: [_box(b) for b in detect(img, backend, plan, pool)])
    load = os.getloadavg()[0]
    for _ in range(RUNS):  # alternate, so a busy moment on the machine hits both alike
        base.measure(pool)
        ours.measure(pool)
    load, cores = max(load, os.getloadavg()[0]), os.cpu_count() or 1
    ratio = statistics.median(base.wall) / statistics.median(ours.wall)
    print(base.line(truth), ours.line(truth), sep="\n")
    print(f"load average while measuring: up to {load:.1f} on {cores} cores; CPU-seconds ratio "
          f"{statistics.median(base.cpu) / statistics.median(ours.cpu):.2f}")
    print(f"speed ratio: {ratio:.2f}x faster (target >= 2x, aim 3x)")
    _bench_encoding(img, ours.boxes, backend, pool, workers)
    # The workers can only add the cores nobody else is using: on a machine already busier
    # than its cores, the wall-clock ratio says more about the neighbours than the code.
    if recall(truth, ours.boxes) < recall(truth, base.boxes):
        return "missed"
    if ratio >= 2.0:
        return "met"
    return "not judged (machine busy)" if load > cores - 0.5 else "missed"


def _box(box: FaceBox) -> Box:
    return (box.top, box.right, box.bottom, box.left)


def _bench_encoding(img: np.ndarray, boxes: list[Box], backend: DlibBackend,
                    pool: Executor | None, workers: int) -> None:
    faces = [FaceBox(*(round(v) for v in box)) for box in boxes]
    seconds, encodings = timed(lambda: encode(img, faces, backend, pool))
    print(f"encoding {len(encodings)} faces: {seconds:.2f} s ({workers} workers)")
    if pool is not None:
        pool.shutdown()


def bench_matching() -> str:
    rng = np.random.default_rng(0)
    templates = rng.normal(0, 0.09, (50_000, 128))
    upns = tuple(f"U{i // 5:09d}" for i in range(50_000))  # 10,000 learners, 5 photos each
    matcher = TemplateMatcher(FaceTemplateSet(upns, templates))
    faces = templates[rng.choice(50_000, 100)] + rng.normal(0, 0.01, (100, 128))
    matcher.match(faces, 0.45, 0.06)
    times = [timed(lambda: matcher.match(faces, 0.45, 0.06))[0] for _ in range(20)]
    ms = statistics.median(times) * 1000
    fastest = min(times) * 1000
    print(f"matching 100 faces against 50,000 templates: median {ms:.1f} ms, fastest "
          f"{fastest:.1f} ms of 20 (target < 50 ms)")
    if ms < 50:
        return "met"
    busy = os.getloadavg()[0] > (os.cpu_count() or 1) - 0.5
    return "not judged (machine busy)" if busy and fastest < 50 else "missed"


def main() -> int:
    warnings.filterwarnings("ignore", category=UserWarning)
    img, truth = crowd()
    sizes = [t[2] - t[0] for t in truth]
    print(f"crowd photo {WIDTH}x{HEIGHT}: {len(truth)} faces of {min(sizes):.0f}-"
          f"{max(sizes):.0f} px, on {os.cpu_count()} cores")
    detection, matching = bench_detection(img, truth), bench_matching()
    print(f"targets: detection {detection}; matching {matching}")
    return 1 if "missed" in (detection, matching) else 0


if __name__ == "__main__":
    sys.exit(main())
