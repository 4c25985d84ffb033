"""Operating the server, over HTTP against real ``secondlook serve`` processes: health and
readiness, Prometheus metrics (added up over workers, not public), JSON log lines with
request ids, and a graceful stop that leaves no process behind.

Before: none of these routes existed, logs were plain text without ids, and after SIGTERM
the face-detection pool (two 200 MiB processes, with the forkserver and the resource
tracker) kept running.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine as DbEngine

from consent_store.db import make_engine, session_scope
from moderation.rulepack import default_pack_paths
from secondlook.accounts.models import Role
from secondlook.release.models import ChannelPost, PostState
from tests.conftest import ROOT, migrated_url
from tests.serve_support import Server, launch, server_env, stop, wait_until_up
from tests.web_support import add_user, api_token

TOKEN = "metrics-reader-token-for-tests"
UPN = "A123456789012"


class Site:
    def __init__(self, db: DbEngine, rules: Path, pair: Server, plain: Server,
                 author_token: str) -> None:
        self.db, self.rules, self.pair, self.plain = db, rules, pair, plain
        self.author = {"Authorization": f"Bearer {author_token}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """``pair``: two workers, JSON logs, 127.0.0.1 as the trusted proxy, a metrics token,
    a rules folder of its own. ``plain``: one worker with the defaults. One database."""
    home = tmp_path_factory.mktemp("ops")
    rules = home / "rules"
    rules.mkdir()
    for pack in default_pack_paths():
        shutil.copy(pack, rules / pack.name)
    url = migrated_url("sqlite", home)
    db = make_engine(url)
    token = api_token(db, add_user(db, "writer", Role.AUTHOR))
    pair = launch(server_env(url, home, log_format="json", trusted_proxies="127.0.0.1",
                             metrics_token=TOKEN, rules_dir=str(rules)), workers=2)
    plain = launch(server_env(url, home))
    try:
        for server in (pair, plain):
            wait_until_up(server)
        yield Site(db, rules, pair, plain, token)
    finally:
        for server in (pair, plain):
            stop(server)
        db.dispose()


def _ready(server: Server) -> httpx.Response:
    return httpx.get(server.url + "/readyz", timeout=30)


def test_healthz_and_readyz_answer_json(site: Site) -> None:
    health = httpx.get(site.plain.url + "/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = _ready(site.plain)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "data_key": "ok", "rule_packs": "ok"}}


def test_readyz_names_the_part_that_failed(site: Site) -> None:
    with site.db.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_old'"))
    try:
        resp = _ready(site.pair)
        assert resp.status_code == 503
        assert resp.json()["status"] == "not ready"
        assert "at revision 0001_old" in resp.json()["checks"]["migrations"]
        assert resp.json()["checks"]["database"] == "ok"
    finally:
        with site.db.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})

    fingerprint = "WHERE name = 'data_key_fingerprint'"
    with site.db.begin() as conn:
        stored = conn.execute(
            text(f"SELECT value FROM instance_setting {fingerprint}")).scalar_one()
        conn.execute(text(f"UPDATE instance_setting SET value = 'another-key' {fingerprint}"))
    try:
        resp = _ready(site.plain)
        assert resp.status_code == 503
        assert "restart it" in resp.json()["checks"]["data_key"]
    finally:
        with site.db.begin() as conn:
            conn.execute(text(f"UPDATE instance_setting SET value = :v {fingerprint}"),
                         {"v": stored})

    tone = site.rules / "tone.yaml"
    good = tone.read_text()
    tone.write_text("rules:\n  - id: tone.broken\n    check: tone\n")
    try:
        resp = _ready(site.pair)
        assert resp.status_code == 503
        assert "tone.broken" in resp.json()["checks"]["rule_packs"]
    finally:
        tone.write_text(good)
    assert _ready(site.pair).status_code == 200 and _ready(site.plain).status_code == 200


def _metrics(server: Server, **headers: str) -> httpx.Response:
    return httpx.get(server.url + "/metrics", headers=headers, timeout=30)


def _count(body: str, route: str) -> float:
    pattern = re.compile(r'^secondlook_http_request_duration_seconds_count\{(.*)\} (\S+)$',
                         re.MULTILINE)
    return sum(float(n) for labels, n in pattern.findall(body)
               if f'route="{route}"' in labels and 'method="GET"' in labels)


def test_metrics_add_up_every_worker_and_name_routes_not_values(site: Site) -> None:
    before = _count(_metrics(site.pair).text, "/login")
    for _ in range(20):  # on fresh connections: the kernel hands them to either worker
        assert httpx.get(site.pair.url + "/login").status_code == 200
    httpx.get(f"{site.pair.url}/admin/register/{UPN}?q=Amelia")
    checked = httpx.post(site.pair.url + "/api/check", headers=site.author,
                         json={"text": "Sports day was great!", "channels": ["facebook"]},
                         timeout=60)
    assert checked.status_code == 200, checked.text
    with session_scope(site.db) as s:
        s.add(ChannelPost(draft_id=999, revision=1, channel="facebook",
                          content_sha256="0" * 64, state=PostState.IN_DOUBT))
    # Whichever worker answers, the figures are the sum of both (multiprocess mode).
    counts = {_count(_metrics(site.pair).text, "/login") - before for _ in range(6)}
    assert counts == {20.0}, counts
    body = _metrics(site.pair).text
    assert 'route="/admin/register/{upn}"' in body
    assert UPN not in body and "Amelia" not in body
    assert re.search(r'secondlook_check_duration_seconds_count\{check="learner_name"\} [1-9]',
                     body), body[-2000:]
    assert "secondlook_releases_in_doubt 1.0" in body
    assert 'secondlook_channel_posts{channel="facebook",state="in_doubt"} 1.0' in body
    assert 'secondlook_jobs_waiting{kind="scheduled_release"} 0.0' in body


def test_metrics_are_read_only_from_the_machine_or_with_the_token(site: Site) -> None:
    relayed = {"X-Forwarded-For": "203.0.113.9"}  # what a proxy adds to the public's request
    assert _metrics(site.plain).status_code == 200  # a scraper on the server itself
    refused = _metrics(site.plain, **relayed)
    assert refused.status_code == 403 and "SECONDLOOK_METRICS_TOKEN" in refused.text
    assert _metrics(site.pair, **relayed).status_code == 403
    assert _metrics(site.pair, Authorization="Bearer not-it", **relayed).status_code == 403
    allowed = _metrics(site.pair, Authorization=f"Bearer {TOKEN}", **relayed)
    assert allowed.status_code == 200 and "secondlook_http_request_duration" in allowed.text


def _json_lines(server: Server) -> list[dict]:
    return [json.loads(line) for line in server.lines if line.startswith("{")]


def test_json_logs_carry_the_request_id_the_response_echoes(site: Site) -> None:
    given = httpx.get(site.pair.url + "/login", headers={"X-Request-ID": "lb-7f3a.1"})
    assert given.headers["x-request-id"] == "lb-7f3a.1"  # from the trusted proxy: kept
    odd = httpx.get(site.pair.url + "/login", headers={"X-Request-ID": "x" * 300})
    made = odd.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # not in a plain shape: replaced
    time.sleep(0.5)
    lines = _json_lines(site.pair)
    access = [line for line in lines if line["logger"] == "secondlook.access"]
    assert {"request_id": "lb-7f3a.1", "route": "/login", "status": 200}.items() <= next(
        line for line in access if line["request_id"] == "lb-7f3a.1").items()
    assert any(line["request_id"] == made for line in access)
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # uvicorn's own too
    printed = [line for line in site.pair.lines if line.strip() and not line.startswith("{")]
    # Only the set-up link announcement is not a log line (it is printed for a person).
    assert all("setup" in line or "account" in line or not line.strip() for line in printed), \
        printed


def test_a_request_id_from_anyone_else_is_not_believed(site: Site) -> None:
    resp = httpx.get(site.plain.url + "/login", headers={"X-Request-ID": "chosen-by-me"})
    made = resp.headers["x-request-id"]
    assert made != "chosen-by-me" and re.fullmatch(r"[0-9a-f]{32}", made)
    time.sleep(0.5)
    assert "GET /login 200" in site.plain.output and f"[{made}]" in site.plain.output
    assert "chosen-by-me" not in site.plain.output


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        parents: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [pid]
        while todo:
            kids = parents.get(todo.pop(), [])
            found += kids
            todo += kids
        return found
    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("workers", [2])  # the supervisor and its workers
def test_sigterm_stops_the_face_pool_and_leaves_no_process(tmp_path: Path,
                                                           workers: int) -> None:
    url = migrated_url("sqlite", tmp_path)
    db = make_engine(url)
    token = api_token(db, add_user(db, "writer", Role.AUTHOR))
    db.dispose()
    server = launch(server_env(url, tmp_path, face_workers="2"), workers=workers)
    try:
        wait_until_up(server)
        photo = (ROOT / "tests/fixtures/faces/obama_and_biden.jpg").read_bytes()
        resp = httpx.post(server.url + "/api/check", timeout=600,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"text": "Sports day", "channels": ["facebook"], "images": [
                              {"data_base64": base64.b64encode(photo).decode(),
                               "alt": "Three people at the finish line"}]})
        assert resp.status_code == 200, resp.text
        assert len(resp.json()["images"][0]["faces"]) == 3  # found by the pool's processes
        children = _descendants(server.process.pid)
        assert len(children) >= 3 + workers - 1, children  # tracker, forkserver, 2 detectors
        server.process.send_signal(signal.SIGTERM)
        # uvicorn finishes its shutdown, then ends by the signal it was sent
        assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
        time.sleep(0.3)
        assert server.output.count("Application shutdown complete") == workers
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in children if _alive(pid)]
        assert left == [], f"processes left running after SIGTERM: {left}"
    finally:
        stop(server)


def test_readiness_says_when_the_database_does_not_answer() -> None:
    from secondlook.readiness import readiness

    gone = make_engine("postgresql+psycopg://secondlook:secret@127.0.0.1:1/none")
    found = readiness(db=gone, data_key=bytes(32), rules_dir=None).to_dict()
    assert found["status"] == "not ready"
    assert found["checks"]["database"] == "the database does not answer"
    assert found["checks"]["rule_packs"] == "ok"
    assert "secret" not in json.dumps(found)  # the URL (and its password) is not repeated
