"""Load the labelled corpus and score the text checks on it (precision and recall per check)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from consent_store.snapshot import LearnerRecord, RegisterSnapshot, StaffRecord
from moderation.report import Report

HERE = Path(__file__).resolve().parent
TEXT_CHECKS = ("learner_name", "person_name", "personal_data", "tone")


def load_register(as_of: date = date(2026, 11, 25)) -> RegisterSnapshot:
    with (HERE / "register.csv").open(encoding="utf-8", newline="") as fh:
        learners = tuple(
            LearnerRecord(
                upn=row["upn"], first_name=row["first_name"], last_name=row["last_name"],
                preferred_name=row["preferred_name"],
                aliases=tuple(a for a in row["aliases"].split(";") if a),
                year_group=row["year_group"], name_consent=row["name_consent"],  # type: ignore[arg-type]
                never_publish=row["never_publish"] == "yes",
            )
            for row in csv.DictReader(fh)
        )
    with (HERE / "staff.csv").open(encoding="utf-8", newline="") as fh:
        staff = tuple(StaffRecord(r["title"], r["first_name"], r["last_name"])
                      for r in csv.DictReader(fh))
    return RegisterSnapshot(learners=learners, staff=staff, as_of=as_of, version="corpus")


def load_drafts() -> list[dict]:
    with (HERE / "drafts.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@dataclass
class Score:
    gold: int = 0
    found_gold: int = 0
    flagged: int = 0
    flagged_right: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found_gold / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.flagged_right / self.flagged if self.flagged else 1.0


def _example(draft: dict, span: tuple[int, int]) -> str:
    return f"{draft['id']}: {draft['text'][span[0]:span[1]]!r} in {draft['text']!r}"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(drafts: Iterable[dict], reports: Iterable[Report]) -> dict[str, Score]:
    """A gold span is found when a finding of its check overlaps it, and vice versa."""
    scores = {c: Score() for c in TEXT_CHECKS}
    for draft, report in zip(drafts, reports, strict=True):
        for check in TEXT_CHECKS:
            gold = [(g["start"], g["end"]) for g in draft["labels"] if g["check"] == check]
            got = [(f.span.start, f.span.end) for f in report.findings
                   if f.check == check and f.span]
            s = scores[check]
            s.gold += len(gold)
            s.flagged += len(got)
            for g in gold:
                if any(_overlaps(g, x) for x in got):
                    s.found_gold += 1
                else:
                    s.misses.append(_example(draft, g))
            for x in got:
                if any(_overlaps(g, x) for g in gold):
                    s.flagged_right += 1
                else:
                    s.false_alarms.append(_example(draft, x))
    return scores


def clean_posts_flagged(drafts: list[dict], reports: list[Report], check: str) -> float:
    """Share of posts with no gold label for ``check`` that the check flags anyway."""
    clean = [(d, r) for d, r in zip(drafts, reports, strict=True)
             if not any(g["check"] == check for g in d["labels"])]
    flagged = [d for d, r in clean if any(f.check == check for f in r.findings)]
    return len(flagged) / len(clean) if clean else 0.0
