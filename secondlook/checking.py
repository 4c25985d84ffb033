"""Running checks for the CLI and the API: the engine from settings, drafts from files, batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft, DraftError, DraftImage
from moderation.findings import Verdict
from moderation.options import CheckOptions
from moderation.pipeline import Engine, check_many
from secondlook.config import Settings


def check_options(settings: Settings) -> CheckOptions:
    """The settings the checks use, as the plain values the engine hands them."""
    return CheckOptions(
        rules_dir=settings.rules_dir,
        face_match_threshold=settings.face_match_threshold,
        face_match_margin=settings.face_match_margin,
        image_max_bytes=settings.image_max_bytes,
        image_max_pixels=settings.image_max_pixels,
        images_per_draft=settings.images_per_draft,
        face_min_px=settings.face_min_px,
        face_tile_px=settings.face_tile_px,
        face_tile_overlap_px=settings.face_tile_overlap_px,
        face_workers=settings.face_workers,
    )


def moderation_engine(settings: Settings) -> Engine:
    return Engine(model_name=settings.spacy_model, options=check_options(settings))


def register_snapshot(db: DbEngine, key: bytes, today: date | None = None) -> RegisterSnapshot:
    from secondlook.workflow.snapshots import stored_snapshot

    with Session(db) as session:
        return stored_snapshot(session, today or date.today(), key=key)


def read_image(path: Path, alt: str, base: Path | None = None) -> DraftImage:
    """An image file as a draft image; relative paths are tried from ``base`` too."""
    candidates = [path]
    if base is not None and not path.is_absolute():
        candidates.append(base / path)
    for candidate in candidates:
        if candidate.is_file():
            try:
                return DraftImage(data=candidate.read_bytes(), alt=alt, name=str(path))
            except OSError as exc:
                raise DraftError(f"image {path}: cannot read it ({exc.strerror})") from exc
    raise DraftError(f"image {path}: no such file")
def read_text_file(path: str) -> str:
    import sys

    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise DraftError(f"text file {path}: cannot read it ({exc.strerror})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DraftError(f"text file {path}: byte {exc.start} is not UTF-8; save it as UTF-8") \
            from exc


def draft_from_json(obj: Any, base: Path | None) -> Draft:
    """One batch line's draft; raises DraftError naming the field at fault."""
    if not isinstance(obj, dict):
        raise DraftError("expected a JSON object")
    text = obj.get("text", "")
    if not isinstance(text, str):
        raise DraftError("field 'text' must be a string")
    channels = obj.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or not all(isinstance(c, str) for c in channels)
    ):
        raise DraftError("field 'channels' must be a list of channel names")
    images = []
    for n, item in enumerate(obj.get("images") or []):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise DraftError(f"images[{n}] needs a 'path' string")
        alt = item.get("alt", "")
        if not isinstance(alt, str):
            raise DraftError(f"images[{n}].alt must be a string")
        images.append(read_image(Path(item["path"]), alt, base))
    return Draft.create(text, images, channels or None)


def check_batch(
    lines: Iterable[str], register: RegisterSnapshot, engine: Engine, base: Path | None,
    *, chunk: int = 32,
) -> Iterator[tuple[dict[str, Any], Verdict]]:
    """One report per non-empty line, in order; a bad line becomes an error report.

    Drafts are checked in chunks so the language model parses their texts
    together. An error report carries verdict ``review``: a draft that could
    not be checked has not been cleared (fail closed).
    """
    pending: list[tuple[Any, Draft | dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            pending.append(_parse_line(number, line, base))
        if len(pending) >= chunk:
            yield from _check_chunk(pending, register, engine)
            pending = []
    yield from _check_chunk(pending, register, engine)


def _parse_line(number: int, line: str, base: Path | None) -> tuple[Any, Draft | dict[str, Any]]:
    draft_id: Any = None
    try:
        obj = json.loads(line)
        draft_id = obj.get("id") if isinstance(obj, dict) else None
        return draft_id, draft_from_json(obj, base)
    except (json.JSONDecodeError, DraftError) as exc:
        return draft_id, _error_report(draft_id, f"line {number}: {exc}")


def _check_chunk(
    pending: list[tuple[Any, Draft | dict[str, Any]]], register: RegisterSnapshot, engine: Engine
) -> Iterator[tuple[dict[str, Any], Verdict]]:
    drafts = [item for _, item in pending if isinstance(item, Draft)]
    reports = iter(check_many(drafts, register, engine))
    for draft_id, item in pending:
        if isinstance(item, Draft):
            report = next(reports)
            yield {"id": draft_id, **report.to_dict()}, report.verdict
        else:
            yield item, Verdict.REVIEW


def _error_report(draft_id: Any, message: str) -> dict[str, Any]:
    return {"id": draft_id, "error": message, "verdict": str(Verdict.REVIEW),
            "content_sha256": None, "channels": [], "findings": [], "images": []}
