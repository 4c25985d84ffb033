"""``secondlook register enrol UPN PHOTO...``: add reference faces for one learner."""

from __future__ import annotations

import argparse
from pathlib import Path

from secondlook.commands import Command, CommandError, data_key, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("upn", metavar="UPN", help="the learner's Unique Pupil Number")
    parser.add_argument(
        "photos", metavar="PHOTO", type=Path, nargs="+",
        help="photos showing the learner's face alone (JPEG, PNG, WebP or HEIC)",
    )


def _read(paths: list[Path]) -> list:
    from secondlook.enrolment import ReferencePhotoUpload

    uploads = []
    for path in paths:
        try:
            uploads.append(ReferencePhotoUpload(path.name, path.read_bytes()))
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the photo ({exc.strerror})") from exc
    return uploads


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from secondlook.checking import check_options
    from secondlook.enrolment import EnrolmentError, enrol

    settings = get_settings()
    uploads = _read(args.photos)
    engine = open_database(settings)
    try:
        with session_scope(engine) as session:
            result = enrol(session=session, upn=args.upn, photos=uploads,
                           key=data_key(settings), options=check_options(settings))
    except EnrolmentError as exc:
        raise CommandError(f"{args.upn}: not enrolled: {exc}") from exc
    print(f"Enrolled {result.added} reference photo(s) for {result.upn} ({result.display_name}); "
          f"{result.total} in total.")
    if result.skipped:
        print(f"Already enrolled, skipped: {', '.join(result.skipped)}.")
    return 0


COMMAND = Command(
    help="add reference photos of a learner for face matching (biometric consent required)",
    configure=_configure, run=_run,
)
