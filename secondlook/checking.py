"""Running checks for the CLI and the API: the engine from settings, drafts from files, batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.db import load_snapshot
from consent_store.snapshot import RegisterSnapshot
from moderation.draft import (
    MAX_TEXT_CHARS,
    Draft,
    DraftError,
    DraftImage,
    UnusableText,
    require_usable_text,
)
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
    with Session(db) as session:
        return load_snapshot(session, today or date.today(), key=key)


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


# UTF-8 takes at most 4 bytes a character, plus an Excel byte-order mark: a file larger
# than this is over the text limit whatever it holds, and is not read further.
MAX_TEXT_FILE_BYTES = 4 * MAX_TEXT_CHARS + 3
# A batch line holds one draft: its text (JSON-escaped), image paths and alt texts.
MAX_BATCH_LINE_CHARS = 256 * 1024


def read_text_file(path: str) -> str:
    """A UTF-8 text file (``-``: standard input), refused unread when it is too large."""
    import sys

    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_TEXT_FILE_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as exc:
        raise DraftError(f"text file {path}: cannot read it ({exc.strerror})") from exc
    if len(raw) > MAX_TEXT_FILE_BYTES:
        raise UnusableText(f"the text file {path} is larger than {MAX_TEXT_FILE_BYTES:,} bytes; "
                           f"a post can have at most {MAX_TEXT_CHARS:,} characters")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DraftError(f"text file {path}: byte {exc.start} is not UTF-8; save it as UTF-8") \
            from exc


def bounded_lines(handle: IO[str], limit: int = MAX_BATCH_LINE_CHARS) -> Iterator[str | None]:
    """The lines of ``handle``; ``None`` for a line longer than ``limit``, which is skipped
    without being held in memory whole."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while True:  # the rest of the over-long line
            rest = handle.readline(limit)
            if not rest or rest.endswith("\n"):
                break
        yield None


def draft_from_json(obj: Any, base: Path | None) -> Draft:
    """One batch line's draft; raises DraftError naming the field at fault."""
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
    images = []
    for n, item in enumerate(obj.get("images") or []):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise DraftError(f"images[{n}] needs a 'path' string")
        alt = item.get("alt", "")
        if not isinstance(alt, str):
            raise DraftError(f"images[{n}].alt must be a string")
        images.append(read_image(Path(item["path"]), alt, base))
    require_usable_text(text, has_images=bool(images), where="field 'text'")
    return Draft.create(text, images, channels or None)


def check_batch(
    lines: Iterable[str | None], register: RegisterSnapshot, engine: Engine, base: Path | None,
    *, chunk: int = 32,
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
        pending.append(_parse_line(number, line, base))
        if len(pending) >= chunk:
            yield from _check_chunk(pending, register, engine)
            pending = []
    yield from _check_chunk(pending, register, engine)


def _parse_line(number: int, line: str | None,
                base: Path | None) -> tuple[Any, Draft | dict[str, Any]]:
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
