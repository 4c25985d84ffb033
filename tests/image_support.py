"""Helpers for image and face tests: settings, drafts and running the pipeline."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft, DraftImage
from moderation.pipeline import Engine, check
from moderation.report import Report
from secondlook.config import get_settings
from tests.face_support import FakeBackend


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set SECONDLOOK_* variables for one test; the settings cache is reset around it."""
    monkeypatch.setenv("SECONDLOOK_FACE_WORKERS", "1")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def set_env(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"SECONDLOOK_{key.upper()}", str(value))
    get_settings.cache_clear()


def fake_engine(engine: Engine, backend: object | None = None) -> Engine:
    engine.services["face-backend"] = backend or FakeBackend()
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
