"""Load a labelled corpus and score the text checks on it, per check and per kind (form).

The corpora beside this file:

- ``generated``: ``drafts.jsonl``, made by ``generate.py`` together with the rules;
- ``blind_dev`` (set A), ``blind_dev_2`` (B), ``blind_dev_3`` (D) and ``blind_dev_4`` (E): drafts
  written blind (``BLIND_BRIEF.md``); may be read and tuned on. B was round 1's held-out
  set and D round 2's; each became a development set once its aggregates had been seen;
- ``heldout`` (set F) and ``heldout_g`` (set G): drafts written blind (in parallel, by two
  writers) and FROZEN: only aggregate figures are ever printed. F carries the floors of
  ``test_text_heldout``; G is a second measure of the same round. Their files may not be
  there yet (``held_out_present()``); the held-out test then skips and says so.

Scoring, as the issue measures it: a gold span is found when a finding of its check
overlaps it, and a finding is right when it overlaps a gold span of its check. Live
location (``personal_data`` labels of kind ``live_location``, ``location.*`` findings) is
scored apart from the rest of personal data. ``optional`` labels (public figures) are
neither required nor wrong; ``staff`` labels must never be flagged as unknown people.

``python -m tests.corpus.score blind_dev [--misses CHECK]`` prints the table (and, for a
development corpus only, the misses and false alarms of one check).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from consent_store.snapshot import LearnerRecord, RegisterSnapshot, StaffRecord
from moderation.findings import Finding
from moderation.report import Report

HERE = Path(__file__).resolve().parent
TEXT_CHECKS = ("learner_name", "person_name", "personal_data", "tone")
#: What the scores are grouped by: the text checks, with live location on its own.
GROUPS = ("learner_name", "person_name", "personal_data", "location", "tone")
CORPORA = {"generated": HERE, "blind_dev": HERE / "blind_dev",
           "blind_dev_2": HERE / "blind_dev_2", "blind_dev_3": HERE / "blind_dev_3",
           "blind_dev_4": HERE / "blind_dev_4", "heldout": HERE / "heldout",
           "heldout_g": HERE / "heldout_g"}
#: The blind corpora that may be tuned on (sets A, B and D).
DEV_CORPORA = ("blind_dev", "blind_dev_2", "blind_dev_3", "blind_dev_4")
#: The frozen corpus the held-out figures (and the test's floors) are measured on.
HELD_OUT = "heldout"
#: Corpora whose drafts, misses and false alarms must never be shown: aggregates only.
FROZEN = frozenset({"heldout", "heldout_g"})
#: The reference date of the blind corpora (consent that expired before it counts as none).
AS_OF = date(2026, 11, 25)
#: Which kind a finding's rule claims, for per-kind precision (rule id prefix -> kind).
RULE_KINDS = {
    "tone.threat": "threat", "tone.profanity": "profanity", "tone.insult": "insult",
    "tone.identity": "identity_attack", "tone.defamation": "defamation",
    "tone.hurtful": "hurtful_child", "personal.phone": "phone", "personal.email": "email",
    "personal.postcode": "postcode", "personal.address": "address",
    "personal.date-of-birth": "date_of_birth", "personal.upn": "upn",
    "personal.ni-number": "ni_number", "personal.nhs-number": "nhs_number",
    "personal.special-category": "special_category",
}


CORPUS_FILES = ("drafts.jsonl", "register.csv", "staff.csv")


def missing_files(name: str) -> list[str]:
    """The files a corpus still lacks (the held-out slot is empty until set E is dropped in)."""
    return [f for f in CORPUS_FILES if not (CORPORA[name] / f).is_file()]


def held_out_present() -> bool:
    return not missing_files(HELD_OUT)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_register(folder: Path = HERE, as_of: date = AS_OF) -> RegisterSnapshot:
    with (folder / "register.csv").open(encoding="utf-8", newline="") as fh:
        learners = tuple(
            LearnerRecord(
                upn=row["upn"], first_name=row["first_name"], last_name=row["last_name"],
                preferred_name=row["preferred_name"],
                aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
                year_group=row["year_group"], name_consent=row["name_consent"],  # type: ignore[arg-type]
                never_publish=row.get("never_publish") == "yes",
                consent_expires=_date(row.get("consent_expires")),
            )
            for row in csv.DictReader(fh)
        )
    with (folder / "staff.csv").open(encoding="utf-8", newline="") as fh:
        staff = tuple(StaffRecord(r["title"], r["first_name"], r["last_name"])
                      for r in csv.DictReader(fh))
    return RegisterSnapshot(learners=learners, staff=staff, as_of=as_of, version=folder.name)


def load_drafts(folder: Path = HERE) -> list[dict]:
    with (folder / "drafts.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def group_of_label(label: dict) -> str:
    if label["check"] == "personal_data" and label.get("kind") == "live_location":
        return "location"
    return str(label["check"])


def group_of_finding(finding: Finding) -> str:
    if finding.check == "personal_data" and finding.rule.startswith("location."):
        return "location"
    return finding.check


def kind_of_rule(rule: str) -> str:
    for prefix, kind in RULE_KINDS.items():
        if rule.startswith(prefix):
            return kind
    return ""


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


@dataclass
class Share:
    """How many of ``total`` posts something happened to (a false alarm, a pass...)."""

    total: int = 0
    hit: int = 0

    @property
    def rate(self) -> float:
        return self.hit / self.total if self.total else 0.0


@dataclass
class CorpusScore:
    checks: dict[str, Score] = field(default_factory=lambda: {g: Score() for g in GROUPS})
    #: recall per (group, kind); precision per (group, kind) where a rule claims the kind
    kinds: dict[tuple[str, str], Score] = field(default_factory=dict)
    staff: Share = field(default_factory=Share)  # staff mentions flagged as unknown people
    must_block_passing: Share = field(default_factory=Share)
    must_block_not_blocked: Share = field(default_factory=Share)
    tone_free_flagged: Share = field(default_factory=Share)
    location_free_flagged: Share = field(default_factory=Share)

    def kind(self, group: str, kind: str) -> Score:
        return self.kinds.setdefault((group, kind), Score())


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _example(draft: dict, span: tuple[int, int]) -> str:
    return f"{draft['id']}: {draft['text'][span[0]:span[1]]!r} in {draft['text']!r}"


def _spans(labels: Iterable[dict]) -> list[tuple[int, int]]:
    return [(g["start"], g["end"]) for g in labels]


def _score_group(out: CorpusScore, group: str, draft: dict, found: list[Finding],
                 keep: bool) -> None:
    labels = [g for g in draft["labels"] if group_of_label(g) == group]
    gold = [g for g in labels if not g.get("optional")]
    optional = _spans(g for g in labels if g.get("optional"))
    s = out.checks[group]
    for g in gold:
        span = (g["start"], g["end"])
        hit = any(_overlaps(span, (f.span.start, f.span.end)) for f in found if f.span)
        for tally in (s, out.kind(group, g.get("kind", "all"))):
            tally.gold += 1
            tally.found_gold += hit
        if not hit and keep:
            s.misses.append(f"[{g.get('kind', '')}] " + _example(draft, span))
    for f in found:
        if f.span is None:
            continue
        span = (f.span.start, f.span.end)
        if any(_overlaps(span, o) for o in optional):
            continue  # a public figure: neither required nor wrong to flag
        right = any(_overlaps(span, x) for x in _spans(gold))
        tallies = [s]
        if kind_of_rule(f.rule):
            tallies.append(out.kind(group, kind_of_rule(f.rule)))
        for tally in tallies:
            tally.flagged += 1
            tally.flagged_right += right
        if not right and keep:
            s.false_alarms.append(f"[{f.rule}] " + _example(draft, span))


def _score_posts(out: CorpusScore, draft: dict, report: Report) -> None:
    groups = {group_of_label(g) for g in draft["labels"]}
    flagged = {group_of_finding(f) for f in report.findings}
    for group, share in (("tone", out.tone_free_flagged),
                         ("location", out.location_free_flagged)):
        if group not in groups:
            share.total += 1
            share.hit += group in flagged
    if draft.get("must_block"):
        out.must_block_passing.total += 1
        out.must_block_passing.hit += report.verdict == "pass"
        out.must_block_not_blocked.total += 1
        out.must_block_not_blocked.hit += report.verdict != "block"
    people = [(f.span.start, f.span.end) for f in report.findings
              if f.check in ("person_name", "learner_name") and f.span]
    for g in draft["labels"]:
        if g["check"] == "staff":
            out.staff.total += 1
            out.staff.hit += any(_overlaps((g["start"], g["end"]), p) for p in people)


def score_corpus(drafts: Sequence[dict], reports: Sequence[Report], *,
                 keep_examples: bool = True) -> CorpusScore:
    """Every figure of one corpus; ``keep_examples=False`` for a frozen corpus."""
    out = CorpusScore()
    for draft, report in zip(drafts, reports, strict=True):
        for group in GROUPS:
            found = [f for f in report.findings if group_of_finding(f) == group]
            _score_group(out, group, draft, found, keep_examples)
        _score_posts(out, draft, report)
    return out


def score(drafts: Iterable[dict], reports: Iterable[Report]) -> dict[str, Score]:
    """Per text check (live location counted with personal data), as before kinds existed."""
    scores = {c: Score() for c in TEXT_CHECKS}
    for draft, report in zip(drafts, reports, strict=True):
        for check in TEXT_CHECKS:
            gold = _spans(g for g in draft["labels"] if g["check"] == check)
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


def run_corpus(name: str, engine: object | None = None) -> tuple[list[dict], list[Report]]:
    """The drafts of one corpus and their reports (texts parsed together, as --batch does)."""
    from moderation.draft import Draft
    from moderation.pipeline import Engine, check_many

    folder = CORPORA[name]
    if missing := missing_files(name):
        raise FileNotFoundError(f"corpus {name!r} has no {', '.join(missing)} in {folder}")
    drafts = load_drafts(folder)
    eng = engine if isinstance(engine, Engine) else Engine()
    reports = check_many([Draft.create(d["text"], channels=d.get("channels")) for d in drafts],
                         load_register(folder), eng)
    return drafts, reports


def table(result: CorpusScore) -> list[str]:
    """The aggregate figures, one line each: safe to print for a frozen corpus."""
    lines = [f"{'check / kind':32}{'gold':>6}{'recall':>8}{'flagged':>9}{'precision':>10}"]
    for group in GROUPS:
        s = result.checks[group]
        lines.append(f"{group:32}{s.gold:>6}{s.recall:>8.3f}{s.flagged:>9}{s.precision:>10.3f}")
        for (g, kind), k in sorted(result.kinds.items()):
            if g == group and (k.gold or k.flagged):
                prec = f"{k.precision:>10.3f}" if k.flagged else f"{'':>10}"
                rec = f"{k.recall:>8.3f}" if k.gold else f"{'':>8}"
                lines.append(f"  {kind:30}{k.gold:>6}{rec}{k.flagged:>9}{prec}")
    for label, share in (("staff mentions flagged", result.staff),
                         ("must-block drafts passing", result.must_block_passing),
                         ("must-block drafts not blocked", result.must_block_not_blocked),
                         ("tone-free posts flagged (tone)", result.tone_free_flagged),
                         ("location-free posts flagged", result.location_free_flagged)):
        lines.append(f"{label:32}{share.hit:>6} of {share.total:<6}{share.rate:>8.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=sorted(CORPORA))
    parser.add_argument("--misses", metavar="GROUP", choices=GROUPS,
                        help="also print the misses and false alarms of one group")
    args = parser.parse_args(argv)
    if args.misses and args.corpus in FROZEN:
        parser.error(f"{args.corpus} is frozen: only aggregate figures may be printed")
    if missing := missing_files(args.corpus):
        parser.error(f"{args.corpus} has no {', '.join(missing)} yet ({CORPORA[args.corpus]})")
    drafts, reports = run_corpus(args.corpus)
    result = score_corpus(drafts, reports, keep_examples=args.corpus not in FROZEN)
    print("\n".join(table(result)))
    if args.misses:
        s = result.checks[args.misses]
        print(f"\n== misses ({len(s.misses)})", *s.misses, sep="\n")
        print(f"\n== false alarms ({len(s.false_alarms)})", *s.false_alarms, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
