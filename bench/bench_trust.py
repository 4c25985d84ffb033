"""A trust's check speed (``make bench``, issue 17): many schools in one database.

On a fresh SQLite database (or ``BENCH_POSTGRES_URL``, whose schema is dropped first),
``--schools`` schools of ``--learners`` learners each. A 280-character post naming a learner
is checked (``Checker.run``: register snapshot, name index, every text check) in two ways in
the same run:

* the anchor: one school checking on its own, as a single-school instance does;
* the trust: the schools checking in turn, school 1, 2, ..., N, 1, 2, ... as their authors'
  live checks would arrive.

Target: the trust's p95 is at most 1.5x the single school's. Before each school kept its own
snapshot (``secondlook/workflow/snapshots.py``) only four were kept in all, and every check at
a fifth school reread and re-indexed its register. The load average is printed: the figures
of a busy machine are not a quiet one's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from consent_store.db import make_engine  # noqa: E402
from consent_store.models import Learner, School  # noqa: E402
from consent_store.scope import use_school  # noqa: E402
from moderation.draft import Draft  # noqa: E402
from moderation.nlp import load_nlp  # noqa: E402
from moderation.pipeline import Engine  # noqa: E402
from secondlook.config import get_settings  # noqa: E402
from secondlook.database import migrate  # noqa: E402
from secondlook.workflow.checking import Checker  # noqa: E402

RATIO_TARGET = 1.5
FIRST = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Freya", "Arthur", "Ivy", "Theo",
         "Poppy", "Finley", "Willow", "Harry", "Sienna", "Jack", "Elsie", "Oscar", "Rosie"]
LAST = ["Okafor", "Whitfield", "Nakamura", "Pryce", "Castellano", "Dunmore", "Achterberg",
        "Lindqvist", "Mbeki", "Harrowgate", "Osei", "Penhaligon", "Zielinski", "Quayle"]
POST = ("What a week in Year 4! Our scientists built bridges from straws and tested them "
        "with marbles, and {name} kept the class going with a brilliant idea about "
        "triangles. Thank you to all the families who came to the open afternoon on "
        "Thursday, and to the PTA for the cakes.")[:280]


def seed(db, schools: int, learners: int) -> None:  # noqa: ANN001
    with Session(db) as s:
        s.add_all(School(name=f"Academy {n}") for n in range(2, schools + 1))
        s.commit()
    for school in range(1, schools + 1):
        with use_school(school), Session(db) as s:
            s.add_all(Learner(
                upn=f"S{school:04d}{n:08d}", first_name=FIRST[(n + school) % len(FIRST)],
                last_name=f"{LAST[n % len(LAST)]}{n // len(LAST) or ''}",
                year_group=f"Year {n % 6 + 1}", name_consent="first",
                photo_channels="facebook;website") for n in range(learners))
            s.commit()


def run(checker: Checker, db, order: list[int]) -> list[float]:  # noqa: ANN001
    draft = Draft.create(POST.format(name="Oliver Whitfield"))
    times = []
    for school in order:
        with use_school(school), Session(db) as s:
            start = time.perf_counter()
            checker.run(s, draft)
            times.append((time.perf_counter() - start) * 1000)
    return times


def p95(ms: list[float]) -> float:
    return statistics.quantiles(ms, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_POSTGRES_URL") or f"sqlite:///{tmp}/trust.db"
        db = make_engine(url)
        if url.startswith("postgresql"):
            with db.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate(db)
        start = time.perf_counter()
        seed(db, args.schools, args.learners)
        print(f"seeded {args.schools} schools x {args.learners} learners in "
              f"{time.perf_counter() - start:.1f} s ({db.dialect.name})")
        checker = Checker(Engine(nlp=load_nlp(get_settings().spacy_model)), os.urandom(32))
        schools = list(range(1, args.schools + 1))
        run(checker, db, schools)  # warm: every school's snapshot and name index built once
        one = run(checker, db, [1] * (args.schools * args.rounds))
        trust = run(checker, db, schools * args.rounds)
        ratio = p95(trust) / p95(one)
        print(f"one school:      median {statistics.median(one):.1f} ms, p95 {p95(one):.1f} ms")
        print(f"schools in turn: median {statistics.median(trust):.1f} ms, "
              f"p95 {p95(trust):.1f} ms ({ratio:.2f}x one school's p95; target "
              f"<= {RATIO_TARGET}x)")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0 if ratio <= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
