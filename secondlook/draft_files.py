"""Drafts from files for the CLI: a text file, an image file, the lines of a batch file.

Kept apart from the checks (``secondlook.checking``) and free of heavy imports, so that
``check`` refuses an empty or over-long text at once, before any model or rule loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from moderation.draft import MAX_TEXT_CHARS, DraftError, DraftImage, UnusableText


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
