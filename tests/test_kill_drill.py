"""The kill -9 drill: the real server (``secondlook serve``, SQLite, the fake Facebook and X
on loopback) is killed at random moments while drafts are created, approved and released
over HTTP, then restarted. Afterwards no draft is stuck in ``releasing``, every post the
channels hold is known (posted, or in doubt for a person), nothing was posted twice, and
a person resolves every post in doubt and releases the rest over the API.

The moments are random; the seed is printed, and ``SECONDLOOK_DRILL_SEED`` replays one.
"""

from __future__ import annotations

import base64
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from consent_store.db import make_engine, session_scope
from consent_store.models import utcnow
from secondlook.accounts.models import Role
from secondlook.database import migrate
from secondlook.jobs.models import Job
from secondlook.release.credentials import set_credentials
from secondlook.release.models import ChannelPost, PostState
from secondlook.workflow.models import DraftRecord, DraftState, Revision
from tests.conftest import ROOT, TEST_KEY
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.fakes.server import Fault
from tests.web_support import add_user, api_token

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = pytest.mark.slow

KILLS = 3  # each restart costs the server's start-up (~6 s on a quiet machine)
DRAFTS_PER_ROUND = 3
CHANNELS = ("facebook", "twitter")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``secondlook serve`` in a subprocess; a new port for every start."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.proc = env, log, None
        exe = ROOT / ".venv" / "bin" / "secondlook"
        self.cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "secondlook.cli"]
        self.url = ""

    def start(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        out = self.log.open("a")
        self.proc = subprocess.Popen([*self.cmd, "serve", "--host", "127.0.0.1", "--port",
                                      str(port)], env=self.env, stdout=out, stderr=out,
                                     cwd=ROOT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server stopped:\n{self.tail()}"
            try:
                if httpx.get(f"{self.url}/login", timeout=1).status_code == 200:
                    return  # start-up (and its recovery) is over: it serves
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not start within 90 s:\n{self.tail()}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no clean-up of any kind
        self.proc.wait()  # reaped: its pid no longer exists

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text()[-3000:]


class Driver:
    """Two people working over the API; any call may find the server gone."""

    def __init__(self, server: Server, alice: str, bob: str) -> None:
        self.server, self.tokens = server, {"alice": alice, "bob": bob}

    def call(self, who: str, method: str, path: str, **kw) -> httpx.Response | None:  # noqa: ANN003
        try:
            return httpx.request(method, f"{self.server.url}{path}", timeout=15,
                                 headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kw)
        except httpx.TransportError:
            return None  # killed under us

    def prepare(self, text: str) -> int | None:
        made = self.call("alice", "POST", "/api/drafts",
                         json={"text": text, "channels": list(CHANNELS)})
        if made is None or made.status_code != 201:
            return None
        draft = made.json()
        if self.call("alice", "POST", f"/api/drafts/{draft['id']}/submit") is None:
            return draft["id"]
        self.call("bob", "POST", f"/api/drafts/{draft['id']}/approve",
                  json={"content_sha256": draft["content_sha256"]})
        return draft["id"]

    def release(self, draft_id: int) -> None:
        self.call("alice", "POST", f"/api/drafts/{draft_id}/release")


def _round(rng: random.Random, server: Server, driver: Driver, number: int, db,  # noqa: ANN001
           fake_facebook, fake_x) -> None:  # noqa: ANN001
    """Start (checking what the previous kill left, once recovered), work, and kill the
    server at a random moment (mostly while releasing)."""
    server.start()
    _check_all_known(db, fake_facebook, fake_x)
    for _ in range(DRAFTS_PER_ROUND):  # slow answers, so that kills land mid-release
        fake_facebook.faults.add("feed", Fault(200, apply=True, delay=rng.uniform(0.05, 0.45)))
        fake_x.faults.add("tweets", Fault(201, apply=True, delay=rng.uniform(0.05, 0.45)))
    if number == 1:  # answers that are lost or refused for now, among the kills
        fake_x.faults.add("tweets", Fault(503, apply=True))
        fake_facebook.faults.add("feed", Fault(429, headers={"retry-after": "1"}))
    during_prepare = rng.random() < 0.25
    moment = threading.Event()
    ids: list[int] = []

    def work() -> None:
        for k in range(DRAFTS_PER_ROUND):
            if during_prepare and k == 1:
                moment.set()
            draft_id = driver.prepare(f"Drill post {number}.{k}: well done everyone!")
            if draft_id is not None:
                ids.append(draft_id)
        releases = [threading.Thread(target=driver.release, args=(d,)) for d in ids]
        moment.set()
        for t in releases:
            t.start()
        for t in releases:
            t.join()

    worker = threading.Thread(target=work)
    worker.start()
    moment.wait(timeout=60)
    time.sleep(rng.uniform(0.0, 0.6))
    server.kill()
    worker.join(timeout=30)


def _posts(fake_facebook, fake_x) -> dict[tuple[str, str], list[str]]:  # noqa: ANN001
    """(text, channel) -> the ids of the posts the channel holds with that text."""
    out: dict[tuple[str, str], list[str]] = {}
    for post in fake_facebook.posts:
        out.setdefault((post.message, "facebook"), []).append(post.id)
    for post in fake_x.posts:
        out.setdefault((post.text, "twitter"), []).append(post.id)
    return out


def _link(channel: str, post_id: str) -> str:
    if channel == "facebook":
        return f"https://www.facebook.com/{post_id}"
    return f"https://x.com/oakfieldpri/status/{post_id}"


def _texts(db) -> dict[int, str]:  # noqa: ANN001
    with Session(db) as s:
        return {r.draft_id: r.text for r in s.exec(select(Revision))}


def _settle(db, seconds: float = 60) -> None:  # noqa: ANN001
    """Releases are background jobs: a restarted server runs again the jobs the kill cut
    short (after recovering what they left). A draft is stuck only if it is releasing
    with no job left to finish it: wait for the jobs first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(db) as s:
            releasing = s.exec(select(DraftRecord.id).where(
                DraftRecord.state == DraftState.RELEASING)).all()
            busy = s.exec(select(Job.id).where(col(Job.state).in_(("todo", "doing")),
                                               col(Job.run_at) <= utcnow())).all()
        if not releasing or not busy:
            return
        time.sleep(0.2)


def _check_all_known(db, fake_facebook, fake_x) -> list[ChannelPost]:  # noqa: ANN001
    """No draft stuck, every post on a channel known, none twice; the rows in doubt."""
    _settle(db)
    with Session(db) as s:
        stuck = s.exec(select(DraftRecord.id).where(
            DraftRecord.state == DraftState.RELEASING)).all()
        rows = {(r.draft_id, r.channel): r for r in s.exec(select(ChannelPost))}
    assert stuck == [], f"drafts stuck in releasing: {stuck}"
    assert [k for k, r in rows.items() if r.state == PostState.SENDING] == []
    texts = _texts(db)
    by_text = {text: draft_id for draft_id, text in texts.items()}
    for (text, channel), ids in _posts(fake_facebook, fake_x).items():
        assert len(ids) == 1, f"posted {len(ids)} times on {channel}: {text!r}"
        row = rows.get((by_text[text], channel))
        assert row is not None and row.state in (PostState.POSTED, PostState.IN_DOUBT), \
            f"a post on {channel} the release does not know: {text!r} ({row and row.state})"
        if row.state == PostState.POSTED:  # sent by us, or a person pasted its link
            assert ids[0] in (row.remote_id, row.url.rsplit("/", 1)[-1]), (row.remote_id,
                                                                            row.url)
    return [r for r in rows.values() if r.state == PostState.IN_DOUBT]


def _resolve(driver: Driver, db, doubt: list[ChannelPost], fake_facebook, fake_x) -> None:  # noqa: ANN001
    """A person looks at each channel: pastes the link, or says the post is not there."""
    posts, texts = _posts(fake_facebook, fake_x), _texts(db)
    for row in doubt:
        found = posts.get((texts[row.draft_id], row.channel))
        body = {"url": _link(row.channel, found[0])} if found else {"not_posted": True}
        answer = driver.call("alice", "POST",
                             f"/api/drafts/{row.draft_id}/release/{row.channel}/link", json=body)
        assert answer is not None and answer.status_code == 200, answer and answer.text


def _finish_everything(driver: Driver, db) -> None:  # noqa: ANN001
    """Every draft, wherever the kills left it, taken on to released."""
    for _ in range(20):  # releases are jobs: each round looks again a little later
        with Session(db) as s:
            drafts = {d.id: d.state for d in s.exec(select(DraftRecord))}
        if all(state == DraftState.RELEASED for state in drafts.values()):
            return
        for draft_id, state in drafts.items():
            if state == DraftState.DRAFT:
                driver.call("alice", "POST", f"/api/drafts/{draft_id}/submit")
            if state in (DraftState.DRAFT, DraftState.SUBMITTED):
                draft = driver.call("alice", "GET", f"/api/drafts/{draft_id}").json()
                driver.call("bob", "POST", f"/api/drafts/{draft_id}/approve",
                            json={"content_sha256": draft["content_sha256"]})
            if state != DraftState.RELEASED:
                driver.release(draft_id)
        time.sleep(1.1)  # a rate limit's retry time passes
    raise AssertionError(f"drafts not released: {drafts}")


def test_kill_9_during_releases_leaves_nothing_stuck_and_nothing_posted_twice(
        tmp_path, _fb_server, _x_server, fake_facebook, fake_x) -> None:  # noqa: ANN001
    seed = int(os.environ.get("SECONDLOOK_DRILL_SEED") or random.randrange(10**6))
    print(f"kill drill seed: {seed} (replay with SECONDLOOK_DRILL_SEED={seed})")
    rng = random.Random(seed)
    url = f"sqlite:///{tmp_path / 'secondlook.db'}"
    db = make_engine(url)
    migrate(db)
    alice = api_token(db, add_user(db, "alice", Role.AUTHOR))
    bob = api_token(db, add_user(db, "bob", Role.APPROVER))
    with session_scope(db) as s:
        set_credentials(session=s, channel="facebook", actor=None, key=TEST_KEY,
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN})
        set_credentials(session=s, channel="twitter", actor=None, key=TEST_KEY,
                        values={"username": "oakfieldpri", "token": xfake.TOKEN})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDLOOK_")}
    env.update(SECONDLOOK_HOME=str(tmp_path), SECONDLOOK_DATABASE_URL=url,
               SECONDLOOK_DATA_KEY=base64.b64encode(TEST_KEY).decode(),
               SECONDLOOK_FACEBOOK_GRAPH_URL=_fb_server[1].url,
               SECONDLOOK_X_API_URL=_x_server[1].url, SECONDLOOK_RELEASE_TIMEOUT_SECONDS="3",
               SECONDLOOK_RELEASE_SCHEDULER_SECONDS="0", SECONDLOOK_FACE_WORKERS="1")
    server = Server(env, tmp_path / "server.log")
    driver = Driver(server, alice, bob)
    try:
        for number in range(KILLS):
            _round(rng, server, driver, number, db, fake_facebook, fake_x)
        fake_facebook.faults.clear(), fake_x.faults.clear()
        time.sleep(0.5)  # requests the dead server had sent are answered by now
        server.start()  # the restart recovers before it serves
        doubt = _check_all_known(db, fake_facebook, fake_x)
        _resolve(driver, db, doubt, fake_facebook, fake_x)
        _finish_everything(driver, db)
    finally:
        server.stop()
    assert _check_all_known(db, fake_facebook, fake_x) == []
    posts = _posts(fake_facebook, fake_x)
    for text in _texts(db).values():  # every draft is on both channels, exactly once
        assert [len(posts.get((text, c), [])) for c in CHANNELS] == [1, 1], text
    with Session(db) as s:
        states = set(s.exec(select(ChannelPost.state)).all())
    assert states == {PostState.POSTED}
