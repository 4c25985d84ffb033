"""``secondlook register calibrate``: how well the enrolled faces separate, and what to set."""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np

from secondlook.commands import Command, data_key, open_database
from secondlook.config import Settings, get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: it reads the whole enrolled register


def _distribution(label: str, values: np.ndarray) -> str:
    if not len(values):
        return f"{label}: none"
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return (f"{label}: {len(values)} | min {values.min():.3f}  p5 {p5:.3f}  median {p50:.3f}  "
            f"p95 {p95:.3f}  max {values.max():.3f}")


def render(calibration, names: dict[str, str], settings: Settings) -> str:  # noqa: ANN001
    lines = [
        f"Face templates: {calibration.probes} (leave-one-out: each matched against the others)",
        _distribution("Same learner, pairs of templates", calibration.same),
        _distribution("Nearest other learner, per template", calibration.nearest_other),
        "Closest different-learner pairs (siblings are the risk):",
    ]
    for distance, a, b in calibration.closest_pairs:
        lines.append(f"  {distance:.3f}  {names.get(a, a)} ({a})  ~  {names.get(b, b)} ({b})")
    lines.append(f"Current settings: threshold {settings.face_match_threshold:.2f}, "
                 f"margin {settings.face_match_margin:.2f}")
    if calibration.threshold is None:
        lines.append("Recommendation: not enough data; enrol at least two photos of some "
                     "learners, then run this again. Keep the current settings.")
    else:
        lines.append(
            f"Recommended: SECONDLOOK_FACE_MATCH_THRESHOLD={calibration.threshold:.2f} "
            f"SECONDLOOK_FACE_MATCH_MARGIN={calibration.margin:.2f} (no wrong match; "
            f"{calibration.identified:.0%} of same-learner photos identified)"
        )
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    del args
    from consent_store.db import load_snapshot, session_scope
    from moderation.images.calibration import calibrate

    settings = get_settings()
    with session_scope(open_database(settings)) as session:
        snapshot = load_snapshot(session, date.today(), key=data_key(settings))
    names = {rec.upn: f"{rec.display_name}, {rec.year_group}" for rec in snapshot.learners}
    print(render(calibrate(snapshot.templates), names, settings))
    return 0


COMMAND = Command(
    help="distance distributions of the enrolled faces and the threshold and margin to use",
    configure=_configure, run=_run,
)
