from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from consent_store.channels import CHANNELS
from moderation.draft import Draft, DraftError, DraftImage, UnusableText, require_usable_text
from moderation.findings import Verdict
from moderation.images.budget import UnusablePhotos, require_photo_count, require_pixel_budget
from moderation.report import Report
from secondlook.commands import (
    Command,
    CommandError,
    UsageError,
    data_key,
    open_database,
    validate_rule_packs,
)
from secondlook.config import get_settings


class _ImageAction(argparse.Action):
    """``--image IMG`` appends an image; a following ``--alt`` belongs to it."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        images = list(getattr(namespace, "images", None) or [])
        if option_string == "--alt":
            if not images or images[-1][1] is not None:
                parser.error("--alt must follow the --image it describes")
            images[-1] = (images[-1][0], values)
        else:
            images.append((values, None))
        namespace.images = images


def _configure(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--text", metavar="T", help="the post's text")
    source.add_argument("--text-file", metavar="F",
                        help="read the text from a UTF-8 file (- for stdin)")
    source.add_argument("--batch", metavar="DRAFTS.jsonl", type=Path,
                        help="check one draft per line; one JSON report per line out")
    parser.add_argument("--image", metavar="IMG", action=_ImageAction, dest="images")
    parser.add_argument("--alt", metavar="TEXT", action=_ImageAction, dest="images",
                        help="alt text of the preceding --image")
    parser.add_argument("--channel", action="append", choices=CHANNELS, dest="channels",
                        help="target channel (repeatable; default: all three)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _run(args: argparse.Namespace) -> int:
    if args.batch is not None and (args.images or args.channels):
        raise CommandError("--batch takes images and channels from the file, not options")
    # The draft first: an empty or over-long text is refused before anything loads or parses.
    draft = None if args.batch is not None else _draft_from_args(args)
    from secondlook.checking import moderation_engine, register_snapshot, school_rule_settings

    settings = get_settings()
    validate_rule_packs(settings)
    db = open_database(settings)
    register = register_snapshot(db, data_key(settings))
    engine = moderation_engine(settings)
    rule_settings = school_rule_settings(db, engine)  # the school's severities and sections
    if draft is None:
        return _run_batch(args.batch, register, engine, rule_settings)
    from moderation.pipeline import check
    from moderation.rule_settings import apply

    report = apply(check(draft, register, engine), rule_settings)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(report))
    return report.verdict.exit_code


def _draft_from_args(args: argparse.Namespace) -> Draft:
    """The draft to check; an unusable text is a usage error (exit 2), a bad file exit 1."""
    from secondlook.draft_files import read_text_file

    try:
        if args.text is not None:
            text, where = args.text, "the text"
        elif args.text_file is not None:
            text, where = read_text_file(args.text_file), f"the text file {args.text_file}"
        elif args.images:
            text, where = "", "the text"
        else:
            raise UnusableText("nothing to check: give --text, --text-file, --image or --batch")
        require_usable_text(text, has_images=bool(args.images), where=where)
        images = _images_from_args(args.images or [])
        return Draft.create(text, images, args.channels)
    except UnusableText as exc:
        raise UsageError(str(exc)) from exc
    except DraftError as exc:
        raise CommandError(str(exc)) from exc


def _images_from_args(given: list[tuple[str, str | None]]) -> list[DraftImage]:
    """The --image files: too many are refused before any is read, and photos over the
    draft's pixel budget from their headers, before any is decoded (usage errors, exit 2)."""
    if not given:
        return []
    from moderation.images.decode import Limits
    from secondlook.draft_files import read_image

    s = get_settings()
    try:
        require_photo_count([p for p, _ in given], s.images_per_draft)
        images = [read_image(Path(p), alt or "") for p, alt in given]
        require_pixel_budget([(i.name, i.data) for i in images],
                             Limits(s.image_max_bytes, s.image_max_pixels, s.image_max_side),
                             s.image_pixels_per_draft)
    except UnusablePhotos as exc:
        raise UsageError(str(exc)) from exc
    return images


def _run_batch(path: Path, register, engine, rule_settings) -> int:  # noqa: ANN001
    from secondlook.checking import check_batch
    from secondlook.draft_files import bounded_lines

    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror})") from exc
    worst = Verdict.PASS
    with handle:
        for report, verdict in check_batch(bounded_lines(handle), register, engine,
                                           path.parent, rule_settings=rule_settings):
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            worst = max(worst, verdict, key=lambda v: v.rank)
    return worst.exit_code


def render_text(report: Report) -> str:
    lines = [f"Verdict: {report.verdict.upper()} — {len(report.findings)} finding(s) "
             f"for {', '.join(report.channels)}"]
    for f in report.findings:
        where = ""
        if f.span:
            where = f' "{f.span.text}" (characters {f.span.start}–{f.span.end})'
        if f.image is not None:
            where += f" image {f.image + 1}" + (f" face {f.face + 1}" if f.face is not None else "")
        lines.append(f"  [{f.severity}] {f.check}{where}: {f.message}")
        if f.suggestion:
            lines.append(f"      Suggestion: {f.suggestion}")
    for img in report.images:
        removed = ", ".join(img.metadata_removed) or "nothing"
        lines.append(f"  image {img.index + 1}: {img.width}×{img.height}, "
                     f"{len(img.faces)} face(s), metadata removed: {removed}")
    return "\n".join(lines)


COMMAND = Command(
    help="check a draft (or a batch of drafts) against the register and policy",
    configure=_configure, run=_run,
)
