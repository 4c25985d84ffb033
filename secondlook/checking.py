"""Running checks for the CLI and the API: the engine from settings, drafts from files, batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import MAX_TEXT_CHARS, Draft, DraftError, require_usable_text
from moderation.findings import Verdict
from moderation.images.budget import require_photo_count, require_pixel_budget
from moderation.options import CheckOptions
from moderation.pipeline import Engine, check_many
from moderation.rule_settings import InForce, apply, changed
from secondlook.config import Settings
from secondlook.draft_files import MAX_BATCH_LINE_CHARS, read_image


def check_options(settings: Settings) -> CheckOptions:
    """The settings the checks use, as the plain values the engine hands them."""
    return CheckOptions(
        rules_dir=settings.rules_dir,
        face_match_threshold=settings.face_match_threshold,
        face_match_margin=settings.face_match_margin,
        image_max_bytes=settings.image_max_bytes,
        image_max_pixels=settings.image_max_pixels,
        images_per_draft=settings.images_per_draft,
        image_max_side=settings.image_max_side,
        image_pixels_per_draft=settings.image_pixels_per_draft,
        face_min_px=settings.face_min_px,
        face_tile_px=settings.face_tile_px,
        face_tile_overlap_px=settings.face_tile_overlap_px,
        face_workers=settings.face_workers,
        face_encoder=settings.face_encoder,
        models_dir=settings.home / "models",
        face_matching=settings.face_matching,
    )


def moderation_engine(settings: Settings) -> Engine:
    return Engine(model_name=settings.spacy_model, options=check_options(settings))


def register_snapshot(db: DbEngine, key: bytes, today: date | None = None) -> RegisterSnapshot:
    from secondlook.workflow.snapshots import stored_snapshot

    with Session(db) as session:
        return stored_snapshot(session, today or date.today(), key=key)


def draft_from_json(obj: Any, base: Path | None, options: CheckOptions | None = None) -> Draft:
    """One batch line's draft; raises DraftError naming the field at fault. Too many
    photos, or photos over the pixel budget, are refused before any is read or decoded."""
    options = options or CheckOptions()
    if not isinstance(obj, dict):
        raise DraftError("expected a JSON object")
    text = obj.get("text", "")
    if not isinstance(text, str):
        raise DraftError("field 'text' must be a string")
    if len(text) > MAX_TEXT_CHARS:  # before reading any image
        require_usable_text(text, where="field 'text'")
    channels = obj.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or not all(isinstance(c, str) for c in channels)
    ):
        raise DraftError("field 'channels' must be a list of channel names")
    given = obj.get("images") or []
    if not isinstance(given, list):
        raise DraftError("field 'images' must be a list")
    for n, item in enumerate(given):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise DraftError(f"images[{n}] needs a 'path' string")
        if not isinstance(item.get("alt", ""), str):
            raise DraftError(f"images[{n}].alt must be a string")
    require_photo_count([item["path"] for item in given], options.images_per_draft)
    images = [read_image(Path(item["path"]), item.get("alt", ""), base) for item in given]
    require_pixel_budget([(i.name, i.data) for i in images], options.image_limits,
                         options.image_pixels_per_draft)
    require_usable_text(text, has_images=bool(images), where="field 'text'")
    return Draft.create(text, images, channels or None)


def school_rule_settings(db: DbEngine, engine: Engine) -> dict[str, InForce]:
    """The current school's rule settings that differ from the packs (for ``apply``)."""
    from secondlook.rule_settings import rules_in_force

    with Session(db) as session:
        return changed(rules_in_force(session, engine.rules()))


def check_batch(
    lines: Iterable[str | None], register: RegisterSnapshot, engine: Engine, base: Path | None,
    *, chunk: int = 32, rule_settings: Mapping[str, InForce] | None = None,
) -> Iterator[tuple[dict[str, Any], Verdict]]:
    """One report per line, in order; a bad line becomes an error report.

    A line that is empty, too long (``None``, from ``bounded_lines``), not JSON or
    not a usable draft gets a report with an ``error`` field. Drafts are checked in
    chunks so the language model parses their texts together. An error report
    carries verdict ``review``: a draft that could not be checked has not been
    cleared (fail closed).
    """
    pending: list[tuple[Any, Draft | dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        pending.append(_parse_line(number, line, base, engine.options))
        if len(pending) >= chunk:
            yield from _check_chunk(pending, register, engine, rule_settings or {})
            pending = []
    yield from _check_chunk(pending, register, engine, rule_settings or {})


def _parse_line(number: int, line: str | None, base: Path | None,
                options: CheckOptions) -> tuple[Any, Draft | dict[str, Any]]:
    if line is None:
        return None, _error_report(None, f"line {number}: too long (over "
                                         f"{MAX_BATCH_LINE_CHARS:,} characters); a draft's "
                                         f"text can have at most {MAX_TEXT_CHARS:,}")
    if not line.strip():
        return None, _error_report(None, f"line {number}: empty line: expected one draft "
                                         "as a JSON object")
    draft_id: Any = None
    try:
        obj = json.loads(line)
        draft_id = obj.get("id") if isinstance(obj, dict) else None
        return draft_id, draft_from_json(obj, base, options)
    except (json.JSONDecodeError, DraftError) as exc:
        return draft_id, _error_report(draft_id, f"line {number}: {exc}")


def _check_chunk(
    pending: list[tuple[Any, Draft | dict[str, Any]]], register: RegisterSnapshot, engine: Engine,
    rule_settings: Mapping[str, InForce],
) -> Iterator[tuple[dict[str, Any], Verdict]]:
    drafts = [item for _, item in pending if isinstance(item, Draft)]
    reports = iter(check_many(drafts, register, engine))
    for draft_id, item in pending:
        if isinstance(item, Draft):
            report = apply(next(reports), rule_settings)
            yield {"id": draft_id, **report.to_dict()}, report.verdict
        else:
            yield item, Verdict.REVIEW


def _error_report(draft_id: Any, message: str) -> dict[str, Any]:
    return {"id": draft_id, "error": message, "verdict": str(Verdict.REVIEW),
            "content_sha256": None, "channels": [], "findings": [], "images": []}
