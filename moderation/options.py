"""What a school may tune about the checks, as plain values handed down from the edge.

``secondlook`` builds one ``CheckOptions`` from its settings (environment variables)
and gives it to the engine; no check reads the environment itself, so the options
given to an engine are exactly the options its checks use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from moderation.images.decode import Limits
from moderation.images.detection import DetectionPlan


@dataclass(frozen=True, slots=True)
class CheckOptions:
    # A folder of rule packs (*.yaml) used instead of the shipped rules/.
    rules_dir: Path | None = None
    # Faces: stricter than face_recognition's 0.6 because children look alike.
    face_match_threshold: float = 0.45
    face_match_margin: float = 0.06
    # Images: limits checked before decoding, so a hostile upload costs nothing.
    image_max_bytes: int = 40 * 1024 * 1024
    image_max_pixels: int = 50_000_000
    image_max_side: int = 4096
    images_per_draft: int = 20
    image_pixels_per_draft: int = 250_000_000
    # Face detection: smallest face to find (px), tiling, worker processes (0: one per core).
    face_min_px: int = 36
    face_tile_px: int = 1400
    face_tile_overlap_px: int = 160
    face_workers: int = 0
    # Face encoding: "onnx" (dlib's network run by onnxruntime, built into models_dir and
    # checked against dlib) or "dlib" (the reference). No models_dir: a private temp folder.
    face_encoder: str = "onnx"
    models_dir: Path | None = None
    # False: faces are found but never encoded or matched; a person identifies every one.
    face_matching: bool = True

    @property
    def image_limits(self) -> Limits:
        return Limits(self.image_max_bytes, self.image_max_pixels, self.image_max_side)

    @property
    def detection_plan(self) -> DetectionPlan:
        return DetectionPlan(self.face_min_px, self.face_tile_px, self.face_tile_overlap_px)
