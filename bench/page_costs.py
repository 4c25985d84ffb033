"""What each page of the web load costs the server, one user at a time (on demand, not
part of ``make bench``).

The requests bench/locust_web.py makes (start page as author and approver, new post page,
live check, save draft, submit, draft page, approve), each repeated ``--reps`` times
in-process against a database seeded like bench_web's (1,000 submitted drafts). For each:
the server's own time from the access log (median and p95, ms) and the SQL statements it
issued. ``--root`` runs another checkout's code (e.g. main's) with this same harness, so
two versions can be compared in one run on the same machine; ``--against DIR`` does that,
alternating the two checkouts ``--rounds`` times (each round seeds the database afresh) and
printing the pooled figures side by side with their ratio::

    git archive main | tar -x -C /tmp/main-checkout
    python bench/page_costs.py --against /tmp/main-checkout --reps 40 --rounds 3

With ``--profile NAME`` the page NAME is run under cProfile and the top entries printed.

The database: ``BENCH_POSTGRES_URL`` (or ``SECONDLOOK_TEST_POSTGRES_URL``) — its schema is
DROPPED and made again — or a temporary SQLite file without one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHA = re.compile(r'name="content_sha256" value="([0-9a-f]{64})"')
DRAFT_LINK = re.compile(r'href="/drafts/(\d+)"')
TEXT = "Well done to Year 5 for a brilliant sports day!"


class Meter(logging.Handler):
    """The access log's duration of the last request, and the statements since reset."""

    def __init__(self) -> None:
        super().__init__()
        self.ms = 0.0
        self.statements = 0
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.ms = float(getattr(record, "duration_ms", 0.0))

    def reset(self) -> None:
        self.statements, self.sql = 0, []

    def count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        self.sql.append(" ".join(statement.split())[:160])


def database(home: Path) -> str:
    url = (os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("SECONDLOOK_TEST_POSTGRES_URL")
           or f"sqlite:///{home / 'secondlook.db'}")
    from consent_store.db import make_engine, session_scope
    from consent_store.register_import import import_register_file
    from secondlook.accounts.models import Role, UserCreate
    from secondlook.accounts.users import create_user
    from secondlook.database import migrate
    from secondlook.workflow.seed import seed_drafts

    db = make_engine(url)
    if url.startswith("postgresql"):
        from sqlalchemy import text

        with db.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(db)
    with session_scope(db) as s:
        import_register_file(s, Path(__file__).resolve().parents[1] / "examples" / "register.csv")
        users = {}
        for name, role in (("author0", Role.AUTHOR), ("approver0", Role.APPROVER),
                           ("seeder", Role.AUTHOR)):
            users[name] = create_user(session=s, data=UserCreate(
                username=name, display_name=name.title(), roles=frozenset({role}),
                password=PASSWORD))
        seed_drafts(session=s, author=users["seeder"], count=1000, review_every=0)
    db.dispose()
    return url


def signed_in(app: Any, username: str) -> Any:
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    token = CSRF.search(client.get("/login").text).group(1)
    resp = client.post("/login", data={"csrf_token": token, "username": username,
                                       "password": PASSWORD})
    assert resp.status_code in (302, 303), (resp.status_code, resp.text[:300])
    client.csrf = CSRF.search(client.get("/").text).group(1)
    return client


def pages(author: Any, approver: Any, meter: Meter) -> dict[str, Callable[[], Any]]:
    """Each locust request as a function; the writes make fresh drafts as they go. What a
    request needs first (the page an approver approves from) is not counted."""
    made: list[str] = []
    waiting: list[str] = []

    def save() -> Any:
        resp = author.post("/drafts", data={"csrf_token": author.csrf, "text": TEXT,
                                            "channels": ["facebook", "classdojo"]})
        made.append(resp.headers["location"].rsplit("/", 1)[-1])
        return resp

    def submit() -> Any:
        draft = made.pop()
        waiting.append(draft)
        return author.post(f"/drafts/{draft}/submit", data={"csrf_token": author.csrf})

    def approve() -> Any:
        draft = DRAFT_LINK.findall(approver.get("/").text)[0]
        sha = SHA.search(approver.get(f"/drafts/{draft}").text).group(1)
        meter.reset()
        return approver.post(f"/drafts/{draft}/approve",
                             data={"csrf_token": approver.csrf, "content_sha256": sha})

    some = DRAFT_LINK.findall(approver.get("/").text)
    return {
        "start page (author)": lambda: author.get("/"),
        "start page (approver)": lambda: approver.get("/"),
        "new post page": lambda: author.get("/drafts/new"),
        "live check": lambda: author.post(
            "/drafts/check", headers={"X-CSRF-Token": author.csrf, "HX-Request": "true"},
            data={"text": TEXT, "channels": ["facebook", "classdojo"]}),
        "save draft": save,
        "submit": submit,
        "draft page": lambda: approver.get(f"/drafts/{some[len(some) // 2]}"),
        "approve": approve,
    }


def profiled(run: Callable[[], Any]) -> None:
    """``run`` with cProfile in the worker threads that run the routes, dependencies and
    templates (the test client's own thread is not what a server pays for)."""
    import cProfile
    import pstats

    import anyio.to_thread

    profiles: list[cProfile.Profile] = []
    original = anyio.to_thread.run_sync

    async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        profile = cProfile.Profile()
        profiles.append(profile)
        return await original(lambda: profile.runcall(func, *args), **kwargs)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]
    try:
        run()
    finally:
        anyio.to_thread.run_sync = original
    pstats.Stats(*profiles).sort_stats("cumulative").print_stats(60)


def measure(page: Callable[[], Any], meter: Meter, reps: int) -> tuple[list[float], int]:
    times, statements = [], 0
    for _ in range(reps):
        meter.reset()
        resp = page()
        assert resp.status_code < 400, (resp.status_code, resp.text[:300])
        times.append(meter.ms)
        statements = meter.statements
    return times, statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--profile", default="")
    parser.add_argument("--sql", default="", help="print the statements of this page")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.against:
        return compare(args.against, args.root, args.reps, args.rounds)
    sys.path.insert(0, str(args.root.resolve()))
    logging.getLogger("secondlook.access").setLevel(logging.INFO)
    meter = Meter()
    logging.getLogger("secondlook.access").addHandler(meter)
    from sqlalchemy import event

    from consent_store.db import make_engine
    from secondlook.config import Settings
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = database(Path(tmp))
        db = make_engine(url)
        event.listen(db, "before_cursor_execute", meter.count)
        app = create_app(Settings(database_url=url, home=Path(tmp)), db=db)
        author, approver = signed_in(app, "author0"), signed_in(app, "approver0")
        todo = pages(author, approver, meter)
        results, times_of = {}, {}
        for name, page in todo.items():
            page(), page()  # warm: templates, the language model, the pool
            if name == args.profile:
                profiled(lambda page=page: measure(page, meter, args.reps))
            times, statements = measure(page, meter, args.reps)
            if name == args.sql:
                print(f"-- {name}:", *meter.sql, sep="\n  ")
            times.sort()
            times_of[name] = times
            results[name] = {"median": statistics.median(times),
                             "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
                             "statements": statements}
        db.dispose()
    if args.json:
        print(json.dumps({name: {**r, "times": times_of[name]} for name, r in results.items()}))
    else:
        for name, r in results.items():
            print(f"{name:24} median {r['median']:6.1f} ms  p95 {r['p95']:6.1f} ms  "
                  f"{r['statements']:3d} SQL statements")
    return 0


def compare(old: Path, new: Path, reps: int, rounds: int) -> int:
    """Both checkouts in turn, ``rounds`` times; the pooled median and p95 of each page."""
    import subprocess

    pooled: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    sql: dict[str, dict[str, int]] = {"old": {}, "new": {}}
    print(f"before: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for _ in range(rounds):
        for label, root in (("old", old), ("new", new)):
            out = subprocess.run(
                [sys.executable, __file__, "--root", str(root), "--reps", str(reps), "--json"],
                capture_output=True, text=True, check=True).stdout
            for name, r in json.loads(out.strip().splitlines()[-1]).items():
                pooled[label].setdefault(name, []).extend(r["times"])
                sql[label][name] = r["statements"]

    def figures(times: list[float]) -> tuple[float, float]:
        times = sorted(times)
        return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]

    print(f"{'page':24} {'old median/p95 ms':>18} {'new median/p95 ms':>18} "
          f"{'new/old median':>14} {'p95':>5}  SQL old -> new")
    for name, old_times in pooled["old"].items():
        (om, op), (nm, np_) = figures(old_times), figures(pooled["new"][name])
        print(f"{name:24} {om:8.1f} /{op:7.1f}  {nm:8.1f} /{np_:7.1f}  {nm / om:14.2f} "
              f"{np_ / op:5.2f}  {sql['old'][name]:3d} -> {sql['new'][name]}")
    print(f"({rounds} rounds of {reps} each, alternating)")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - start:.0f} s; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})", file=sys.stderr)
    sys.exit(code)
