"""Web speed (``make bench``): the approval queue with 1,000 pending drafts, and 50 users.

1. The start page of an approver with 1,000 submitted drafts waiting: median and worst
   time to render it in-process (target: under 100 ms).
2. 50 concurrent users (40 authors drafting with the check as they type, 10 approvers
   approving) against ``secondlook serve`` (real language model, warmed up first) on
   loopback, driven by locust headless for 60 s; statistics are reset once all users have
   signed in, then p95 and p99 over the non-photo requests (targets: under 300 and 600 ms,
   no failed request). Sign-in (a deliberately slow Argon2id hash) is excluded and
   reported on its own line.
3. A photo check (``POST /api/check``, a 2000x1428 photo of three faces) timed alone, then
   again in the middle of the load (target: within 1.5x its time alone). Each check sends
   the photo with one pixel changed, so no check is answered from the server's cache of
   photos it has already analysed.

``--seconds N`` (or ``BENCH_WEB_SECONDS``) shortens the load, e.g. 20 s to see that the
bench works; ``--users N`` changes how many users there are. The load averages
(``uptime``) are printed before and after: on a shared machine they say what the figures
are worth.

With a PostgreSQL URL in ``BENCH_POSTGRES_URL`` (or ``SECONDLOOK_TEST_POSTGRES_URL``; its
schema is dropped and made again) the server runs on it with ``--workers 2``, the set-up
the issue's figures are for; without one, on SQLite with one worker.

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consent_store.db import make_engine, session_scope  # noqa: E402
from consent_store.register_import import import_register_file  # noqa: E402
from secondlook.accounts.models import Role, UserCreate  # noqa: E402
from secondlook.accounts.users import create_user  # noqa: E402
from secondlook.database import migrate  # noqa: E402

PASSWORD = "bench password 123"
PENDING = 1000
QUEUE_TARGET_MS = 100.0
P95_TARGET_MS, P99_TARGET_MS = 300.0, 600.0
PHOTO_RATIO_TARGET = 1.5
USERS, SPAWN_RATE, RUN_SECONDS = 50, 10, int(os.environ.get("BENCH_WEB_SECONDS", "60"))
_variant = itertools.count()
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "SECONDLOOK_TEST_POSTGRES_URL")
WORKERS = 2 if POSTGRES_URL else 1
PHOTO = ROOT / "tests" / "fixtures" / "faces" / "obama_and_biden.jpg"


def make_database(home: Path) -> str:
    url = POSTGRES_URL or f"sqlite:///{home / 'secondlook.db'}"
    db = make_engine(url)
    if POSTGRES_URL:
        from sqlalchemy import text

        with db.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(db)
    with session_scope(db) as s:
        import_register_file(s, ROOT / "examples" / "register.csv")
        for n in range(40):
            _user(s, f"author{n}", Role.AUTHOR)
        for n in range(10):
            _user(s, f"approver{n}", Role.APPROVER)
        _user(s, "seeder", Role.AUTHOR)
    db.dispose()
    return url


def _user(session, name: str, role: Role) -> None:  # noqa: ANN001
    create_user(session=session, data=UserCreate(
        username=name, display_name=name.title(), roles=frozenset({role}), password=PASSWORD))


def seed_pending(url: str, count: int) -> None:
    from sqlmodel import select

    from secondlook.accounts.models import User
    from secondlook.workflow.seed import seed_drafts

    db = make_engine(url)
    with session_scope(db) as s:
        seeder = s.exec(select(User).where(User.username == "seeder")).one()
        seed_drafts(session=s, author=seeder, count=count, review_every=0)
    db.dispose()


def time_queue_page(url: str) -> tuple[float, float, int]:
    """Median and worst of 30 renders of the approver's start page, in ms; rows shown."""
    import spacy
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from secondlook.accounts.models import User
    from secondlook.accounts.sessions import create_session
    from secondlook.config import Settings
    from web.app import create_app

    db = make_engine(url)
    app = create_app(Settings(database_url=url), db=db)
    app.state.moderation.nlp = spacy.blank("en")  # keep the options; no model to load
    with Session(db) as s:
        approver = s.exec(select(User).where(User.username == "approver0")).one()
        token = create_session(session=s, user=approver)
        s.commit()
    client = TestClient(app, cookies={"sl_session": token})
    client.get("/")  # warm the templates and the connection pool
    times = []
    for _ in range(30):
        start = time.perf_counter()
        resp = client.get("/")
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, resp.status_code
    rows = resp.text.count('<li class="item ')
    db.dispose()
    return statistics.median(times), max(times), rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_token(url: str) -> str:
    """An API token of the seeder (an author), for the photo checks."""
    from datetime import timedelta

    from sqlmodel import select

    from secondlook.accounts.models import TokenScope, User
    from secondlook.accounts.tokens import create_token

    db = make_engine(url)
    with session_scope(db) as s:
        seeder = s.exec(select(User).where(User.username == "seeder")).one()
        _, plain = create_token(session=s, user=seeder, name="bench", scopes=tuple(TokenScope),
                                lifetime=timedelta(days=1))
    db.dispose()
    return plain


def start_server(home: Path, url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "SECONDLOOK_HOME": str(home), "SECONDLOOK_DATABASE_URL": url}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "secondlook"), "serve", "--port", str(port),
         "--workers", str(WORKERS)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("secondlook serve did not answer within 180 s")


def warm_up(port: int, api: str) -> None:
    """Sign in and check (text and a photo) on fresh connections until every worker has
    its language model and face pool loaded, so the load measures none of that."""
    import re

    for _ in range(4 * WORKERS):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            page = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post("/login", data={"csrf_token": token, "username": "seeder",
                                        "password": PASSWORD})
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/").text).group(1)
            client.post("/drafts/check", data={"text": "Warm up", "channels": ["facebook"]},
                        headers={"X-CSRF-Token": token}).raise_for_status()
        photo_check(port, api)


def photo_variant() -> bytes:
    """The photo with one pixel changed: new bytes, so the server analyses it afresh (an
    unchanged photo is answered from its cache in milliseconds)."""
    from PIL import Image

    n = next(_variant)
    with Image.open(PHOTO) as img:
        img = img.convert("RGB")
        x, y = n % img.width, (n // img.width) % img.height
        r, g, b = img.getpixel((x, y))
        img.putpixel((x, y), ((r + 7) % 256, g, b))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=95)
    return out.getvalue()


def photo_check(port: int, api: str) -> float:
    """One check of a photo of three faces, never seen before, over the API; seconds."""
    body = {"text": "Sports day!", "channels": ["facebook"], "images": [
        {"data_base64": base64.b64encode(photo_variant()).decode(), "alt": "Three people"}]}
    start = time.perf_counter()
    resp = httpx.post(f"http://127.0.0.1:{port}/api/check", json=body, timeout=300,
                      headers={"Authorization": f"Bearer {api}"})
    resp.raise_for_status()
    assert len(resp.json()["images"][0]["faces"]) == 3, resp.text[:500]
    return time.perf_counter() - start


def photo_checks_alone(port: int, api: str, count: int = 3) -> float:
    return statistics.median(photo_check(port, api) for _ in range(count))


def photo_checks_under_load(port: int, api: str, ends: float, out: list[float]) -> None:
    """Started with the load: waits until every user is in, then checks photos, one at a
    time, until the load is nearly over."""
    time.sleep(USERS / SPAWN_RATE + min(10.0, RUN_SECONDS / 6))
    while len(out) < 5 and time.monotonic() < ends - min(15.0, RUN_SECONDS / 4):
        out.append(photo_check(port, api))


def run_locust(port: int, out: Path) -> subprocess.CompletedProcess:
    cmd = [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "bench" / "locust_web.py"),
           "--headless", "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{RUN_SECONDS}s",
           "--host", f"http://127.0.0.1:{port}", "--csv", str(out), "--only-summary",
           "--stop-timeout", "5", "--reset-stats"]
    env = {**os.environ, "BENCH_WEB_TIMINGS": str(out) + "_timings.json"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_SECONDS + 120,
                          env=env)


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def percentiles_excluding(timings_file: Path, exclude: set[str]) -> tuple[float, float, int]:
    """Exact p95 and p99 (ms) of every request recorded after all users signed in, but
    ``exclude``; and how many there were."""
    import json

    times = sorted(ms for name, ms in json.loads(timings_file.read_text()) if name not in exclude)
    if not times:
        return float("nan"), float("nan"), 0

    def at(share: float) -> float:
        return times[min(len(times) - 1, int(share * len(times)))]

    return at(0.95), at(0.99), len(times)


def load_figures() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def parse_args() -> None:
    global USERS, RUN_SECONDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=RUN_SECONDS,
                        help=f"how long the load runs (default {RUN_SECONDS})")
    parser.add_argument("--users", type=int, default=USERS,
                        help=f"how many users (default {USERS})")
    args = parser.parse_args()
    if args.seconds < 10 or args.users < 1:
        parser.error("--seconds must be at least 10 and --users at least 1")
    USERS, RUN_SECONDS = args.users, args.seconds


def main() -> int:
    parse_args()
    print(f"before: {load_figures()}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = make_database(home)
        start = time.perf_counter()
        seed_pending(url, PENDING)
        print(f"seeded {PENDING} submitted drafts in {time.perf_counter() - start:.1f} s")
        median, worst, rows = time_queue_page(url)
        print(f"approval queue page, {PENDING} pending ({rows} rows shown): median "
              f"{median:.1f} ms, worst {worst:.1f} ms (target < {QUEUE_TARGET_MS:.0f} ms)")
        ok &= median < QUEUE_TARGET_MS
        port = free_port()
        api = api_token(url)
        server = start_server(home, url, port)
        under_load: list[float] = []
        try:
            warm_up(port, api)
            alone = photo_checks_alone(port, api)
            ends = time.monotonic() + RUN_SECONDS
            checker = threading.Thread(target=photo_checks_under_load,
                                       args=(port, api, ends, under_load), daemon=True)
            checker.start()
            result = run_locust(port, home / "locust")
            checker.join(timeout=60)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:  # open keep-alive connections: stop it hard
                server.kill()
                server.wait()
        if result.returncode not in (0, 1):
            print(result.stdout[-2000:], result.stderr[-2000:])
            return 1
        rows_ = read_stats(home / "locust")
        for r in rows_:
            print(f"  {r['Type']:5} {r['Name']:38} n={r['Request Count']:>5} "
                  f"fail={r['Failure Count']:>3} median={r['50%']:>5} ms p95={r['95%']:>5} ms")
        p95, p99, count = percentiles_excluding(home / "locust_timings.json",
                                                {"sign in", "login page"})
        failures = sum(int(r["Failure Count"]) for r in rows_ if r["Name"] != "Aggregated")
        where = f"PostgreSQL, {WORKERS} workers" if POSTGRES_URL else "SQLite, 1 worker"
        print(f"{USERS} users for {RUN_SECONDS} s ({where}): {count} non-photo requests "
              f"(sign-in excluded) p95 {p95:.0f} ms (target < {P95_TARGET_MS:.0f}), p99 "
              f"{p99:.0f} ms (target < {P99_TARGET_MS:.0f}); {failures} failed request(s)")
        ok &= p95 < P95_TARGET_MS and p99 < P99_TARGET_MS and failures == 0
        loaded = statistics.median(under_load) if under_load else float("nan")
        ratio = loaded / alone
        print(f"photo check (3 faces, 2000x1428): alone {alone:.2f} s, under the load "
              f"{loaded:.2f} s (median of {len(under_load)}): {ratio:.2f}x "
              f"(target <= {PHOTO_RATIO_TARGET}x)")
        ok &= ratio <= PHOTO_RATIO_TARGET
    print(f"after: {load_figures()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
