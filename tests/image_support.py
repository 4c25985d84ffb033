"""Helpers for image and face tests: check options, drafts and running the pipeline."""

from __future__ import annotations

import dataclasses
import io

from PIL import Image

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft, DraftImage
from moderation.pipeline import Engine, check
from moderation.report import Report
from tests.face_support import FakeBackend


def configure(engine: Engine, **values: object) -> Engine:
    """The engine with these check options changed, as a school's settings would change them."""
    engine.options = dataclasses.replace(engine.options, **values)  # type: ignore[arg-type]
    return engine


def fake_engine(engine: Engine, backend: object | None = None) -> Engine:
    """The real image and face checks on a fake face detector, in this process (no pool)."""
    engine.services["face-backend"] = backend or FakeBackend()
    if engine.options.face_workers == 0:
        configure(engine, face_workers=1)
    return engine


def run(
    engine: Engine,
    register: RegisterSnapshot,
    *images: bytes,
    text: str = "Sports day!",
    channels: tuple[str, ...] = ("facebook", "twitter", "classdojo"),
) -> Report:
    draft = Draft.create(
        text, [DraftImage(data, alt="Children at sports day", name=f"IMG_{i}.jpg")
         for i, data in enumerate(images)],
        list(channels),
    )
    return check(draft, register, engine)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def of_check(report: Report, name: str) -> list:
    return [f for f in report.findings if f.check == name]
