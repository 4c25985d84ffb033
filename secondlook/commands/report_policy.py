"""``secondlook report policy --from DATE --to DATE [--csv FILE] [--html FILE]``."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from secondlook.commands import Command, CommandError, open_database
from secondlook.config import get_settings


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date like 2026-09-01") from exc


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    parser.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE",
                        help="inclusive")
    parser.add_argument("--csv", type=Path, help="write the CSV export here")
    parser.add_argument("--html", type=Path, help="write the HTML export here (print to PDF)")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from consent_store.models import utcnow
    from secondlook.release.policy_report import Period, build_report
    from secondlook.release.policy_report_export import to_csv, to_html

    try:
        period = Period(args.start, args.end)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    with Session(open_database(get_settings())) as session:
        report = build_report(session=session, period=period)
    try:
        if args.csv:
            args.csv.write_text(to_csv(report), encoding="utf-8")
        if args.html:
            args.html.write_text(to_html(report, generated=utcnow()), encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write the export: {exc}") from exc
    posts = ", ".join(f"{c} {n}" for c, n in report.posts_per_channel.items())
    print(f"{period.start} to {period.end}: {report.drafts_checked} draft(s) checked; "
          f"posts: {posts}; {len(report.overrides)} override(s); "
          f"{len(report.takedowns)} takedown(s).")
    return 0


COMMAND = Command(help="the policy-review report for a date range (CSV / HTML export)",
                  configure=_configure, run=_run)
