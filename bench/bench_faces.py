"""Face speed on 12-megapixel photos (``make bench``), every figure beside its target.

Builds a 4032×3024 crowd with ~300 faces of 35-110 px, and a class photo with 30
faces of 150-260 px, by scaling and tiling the public-domain fixture faces
(adults; never photos of children), then measures in the same run:

* detection: ``face_recognition.face_locations(img, number_of_times_to_upsample=1)``
  at full resolution (the baseline) against Second Look's tiled, pooled detector
  (issue 4: recall at least the baseline's, at least 2× faster);
* encoding: CPU milliseconds per face of dlib's own encoder and of the converted one
  run by onnxruntime, and their largest difference (issue 14: ≤ 25 ms a face);
* the whole check of a draft (decoding, image and face checks, text) on the crowd
  against the naive ``face_locations(img, 1)`` + ``face_encodings`` on the same photo
  (issue 14: at least 2× faster, recall no lower), and on the class photo (≤ 1.5 s; the
  same photo on a later revision of the draft ≤ 0.1 s);
* matching 100 faces against 50,000 templates (< 50 ms).

Exits 1 when a target is missed. Ratios that rely on the second core are only judged
when the machine is not already busier than its cores; the load average is printed
beside each figure either way.
"""

from __future__ import annotations

import io
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

from consent_store.snapshot import FaceTemplateSet, LearnerRecord, RegisterSnapshot  # noqa: E402
from moderation.draft import Draft, DraftImage  # noqa: E402
from moderation.images.detection import DetectionPlan, detect, encode, make_pool  # noqa: E402
from moderation.images.faces import DlibBackend  # noqa: E402
from moderation.images.matching import TemplateMatcher  # noqa: E402
from moderation.images.onnx_encoder import OnnxBackend, face_backend  # noqa: E402
from moderation.pipeline import Engine, check  # noqa: E402
from moderation.report import FaceBox  # noqa: E402
from secondlook.checking import check_options  # noqa: E402
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


def crowd(seed: int = 1, sizes: tuple[float, float] = (35, 110), limit: int = 10_000,
          sources: list[int] | None = None) -> tuple[np.ndarray, list[Box]]:
    """Rows of scaled face crops (with hair and shoulders) on a textured background;
    ``sources`` is given, per face, the index of the fixture face it was made from."""
    rng = random.Random(seed)
    faces = source_faces()
    noise = np.random.default_rng(seed).integers(60, 200, (HEIGHT // 8, WIDTH // 8, 3))
    canvas = Image.fromarray(noise.astype(np.uint8)).resize((WIDTH, HEIGHT), Image.BILINEAR)
    truth: list[Box] = []
    y = 10
    while y < HEIGHT - 40:
        x, row_height = 10, 0
        while len(truth) < limit:
            size = rng.uniform(*sizes)
            source = rng.randrange(len(faces))
            image, box = faces[source]
            crop, face = _scaled_crop(image, box, size, flip=rng.random() < 0.5)
            if x + crop.width > WIDTH - 10 or y + crop.height > HEIGHT - 10:
                break
            canvas.paste(crop, (x, y))
            truth.append((y + face[0], x + face[1], y + face[2], x + face[3]))
            if sources is not None:
                sources.append(source)
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
    print(f"encoding {len(encodings)} faces with dlib's own encoder: {seconds:.2f} s "
          f"({workers} workers)")
    if pool is not None:
        pool.shutdown()



def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def bench_encoders(img: np.ndarray, boxes: list[FaceBox], onnx: OnnxBackend) -> str:
    """CPU ms per face of each encoder (landmarks, chip and network), in this process."""
    reference, fast = DlibBackend(), onnx
    encode(img, boxes[:2], reference), encode(img, boxes[:2], fast)  # models loaded
    per_face, results = {}, {}
    for name, backend, count in (("dlib (dlib-bin)", reference, 12), ("onnxruntime", fast, 60)):
        started = time.process_time()
        results[name] = encode(img, boxes[:count], backend)
        per_face[name] = (time.process_time() - started) / count * 1000
    dlib_ms, onnx_ms = per_face["dlib (dlib-bin)"], per_face["onnxruntime"]
    difference = np.abs(results["onnxruntime"][:12] - results["dlib (dlib-bin)"]).max()
    print(f"encoding, CPU per face (landmarks, chip, network): dlib {dlib_ms:.1f} ms, "
          f"onnxruntime {onnx_ms:.1f} ms ({dlib_ms / onnx_ms:.1f}x cheaper; target <= 25 ms); "
          f"largest difference from dlib {difference:.1e}; {load()}")
    return "met" if onnx_ms <= 25 and difference < 1e-5 else "missed"


def _register(img: np.ndarray, boxes: list[FaceBox], backend: OnnxBackend) -> RegisterSnapshot:
    """Twenty learners enrolled from faces of the photo, so every face found is encoded."""
    encodings = encode(img, boxes[:20], backend)
    learners = tuple(LearnerRecord(upn=f"B{i:012d}", first_name=f"Learner{i}", last_name="Bench",
                                   biometric_consent=True, photo_channels=frozenset({"classdojo"}))
                     for i in range(20))
    return RegisterSnapshot(learners=learners,
                            templates=FaceTemplateSet(tuple(lr.upn for lr in learners), encodings))


def _draft(img: np.ndarray, text: str) -> Draft:
    buffer = io.BytesIO()
    Image.fromarray(img).save(buffer, format="JPEG", quality=92)
    return Draft.create(text, [DraftImage(buffer.getvalue(), alt="", name="class.jpg")],
                        ["facebook"])


def _engine() -> Engine:
    engine = Engine(options=check_options(get_settings()))
    engine.get_nlp()
    return engine


def _checked_boxes(engine: Engine, draft: Draft, register: RegisterSnapshot
                   ) -> tuple[float, list[Box]]:
    seconds, report = timed(lambda: check(draft, register, engine))
    return seconds, [_box(f.box) for f in report.images[0].faces]


def bench_whole_check(crowd_img: np.ndarray, crowd_truth: list[Box], onnx: OnnxBackend) -> str:
    """The whole check against the naive face_recognition pipeline, and the class photo."""
    import face_recognition

    engine = _engine()
    class_img, class_truth = crowd(seed=3, sizes=(150, 260), limit=30)
    draft = _draft(class_img, "Our class photo, Year 5!")
    register = _register(class_img, [FaceBox(*(round(v) for v in b)) for b in class_truth],
                         onnx)
    # Warm up on the mirrored photo (other bytes, same work): worker processes started and
    # their models loaded, as in a server that has checked a photo before.
    _checked_boxes(engine, _draft(np.ascontiguousarray(class_img[:, ::-1]), "warm"), register)
    cold, boxes = _checked_boxes(engine, draft, register)
    edited = _draft(class_img, "Our class photo, Year 5! Well done everyone.")
    again, _ = _checked_boxes(engine, edited, register)
    print(f"class photo 4032x3024, {len(class_truth)} faces: whole check {cold:.2f} s "
          f"(recall {recall(class_truth, boxes):.2f}; target <= 1.5 s); the same photo on a later "
          f"revision {again:.2f} s (target <= 0.1 s); {load()}")
    crowd_draft = _draft(crowd_img, "Sports day")
    started_load = load()
    ours, our_boxes = _checked_boxes(engine, crowd_draft, register)

    def naive() -> list[Box]:
        found = face_recognition.face_locations(crowd_img, 1)
        face_recognition.face_encodings(crowd_img, found)
        return [tuple(map(float, b)) for b in found]

    base, base_boxes = timed(naive)
    ratio = base / ours
    print(f"crowd, {len(crowd_truth)} faces: whole check {ours:.2f} s (recall "
          f"{recall(crowd_truth, our_boxes):.3f}) against face_locations(img, 1) + face_encodings "
          f"{base:.2f} s (recall {recall(crowd_truth, base_boxes):.3f}): {ratio:.2f}x faster "
          f"(target >= 2x); {started_load} before, {load()} after")
    results = []
    results.append("met" if cold <= 1.5 else _busy_or_missed())
    results.append("met" if again <= 0.1 else _busy_or_missed())
    if recall(crowd_truth, our_boxes) < recall(crowd_truth, base_boxes):
        results.append("missed")
    results.append("met" if ratio >= 2 else _busy_or_missed())
    return "missed" if "missed" in results else ("met" if set(results) == {"met"}
                                                 else "not judged (machine busy)")


def _busy_or_missed() -> str:
    return "not judged (machine busy)" if os.getloadavg()[0] > (os.cpu_count() or 1) - 0.5 \
        else "missed"


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
    print(f"machine: {load()}")
    img, truth = crowd()
    sizes = [t[2] - t[0] for t in truth]
    print(f"crowd photo {WIDTH}x{HEIGHT}: {len(truth)} faces of {min(sizes):.0f}-"
          f"{max(sizes):.0f} px, on {os.cpu_count()} cores")
    onnx = face_backend("onnx", get_settings().home / "models")
    if not isinstance(onnx, OnnxBackend):
        print("the converted face encoder could not be built: see the warning above")
        return 1
    faces = [FaceBox(*(round(v) for v in box)) for box in truth]
    encoding = bench_encoders(img, faces, onnx)
    whole = bench_whole_check(img, truth, onnx)
    detection, matching = bench_detection(img, truth), bench_matching()
    print(f"targets: encoding {encoding}; whole check {whole}; detection {detection}; "
          f"matching {matching}")
    return 1 if "missed" in (encoding, whole, detection, matching) else 0


if __name__ == "__main__":
    sys.exit(main())
