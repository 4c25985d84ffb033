"""A job worker killed -9 in the middle of a release, on the real PostgreSQL: the release
job is neither lost nor doubled. The worker dies while Facebook holds the post but has not
answered; a second worker takes the stalled job again (procrastinate's worker heartbeats),
finds Facebook's post in doubt (a person must look: it is never sent twice) and sends X,
which had not been tried. Each fake channel holds exactly one post."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import threading
import time

import pytest
from sqlmodel import Session

from consent_store.db import make_engine, session_scope
from secondlook.config import Settings
from secondlook.jobs.opening import open_queue
from secondlook.release.credentials import set_credentials
from secondlook.release.queued import TASK, lock_for
from secondlook.release.service import channel_posts
from tests.conftest import TEST_KEY, migrated_url
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft, state_of
from tests.serve_support import server_env, start
from tests.workflow_helpers import add_staff

pytest_plugins = ["tests.workflow_support", "tests.fakes.fixtures"]
pytestmark = [pytest.mark.postgres]


def _worker(env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    process = start(env, "worker")
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
                     daemon=True).start()
    return process, lines


def _until(what, seconds: float, why: str, output: list[str]) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"{why} within {seconds:.0f} s; worker said:\n"
                                 + "".join(output)[-4000:])
        time.sleep(0.1)


def test_a_worker_killed_mid_release_loses_nothing_and_doubles_nothing(
        tmp_path, mengine, _fb_server, _x_server, fake_facebook, fake_x) -> None:  # noqa: ANN001
    url = migrated_url("postgres", tmp_path)
    db = make_engine(url)
    staff = add_staff(db)
    with session_scope(db) as s:
        set_credentials(session=s, channel="facebook", actor=None, key=TEST_KEY,
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN})
        set_credentials(session=s, channel="twitter", actor=None, key=TEST_KEY,
                        values={"username": "oakfieldpri", "token": xfake.TOKEN})
    draft_id = approved_draft(db, staff, mengine, ["facebook", "twitter"], photos=[])
    env = server_env(url, tmp_path, data_key=base64.b64encode(TEST_KEY).decode(),
                     facebook_graph_url=_fb_server[1].url, x_api_url=_x_server[1].url,
                     release_timeout_seconds="60", jobs_stalled_seconds="2")
    # Facebook publishes the post, then takes a minute to answer: the worker is killed then.
    fake_facebook.faults.add("feed", Fault(200, apply=True, delay=60))
    first, said = _worker(env)
    second = None
    try:
        _until(lambda: any("Working" in line for line in said), 120, "the worker started",
               said)
        settings = Settings(database_url=url, home=tmp_path)
        queue = open_queue(db, settings)
        job_id = queue.defer(TASK, lock=lock_for(draft_id), draft_id=draft_id,
                             user_id=staff["alice"].id)
        _until(lambda: len(fake_facebook.posts) == 1, 60, "Facebook got the post", said)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert queue.get(job_id).state == "doing"  # left mid-way by the dead worker

        second, said2 = _worker(env)
        _until(lambda: queue.get(job_id).finished, 120, "the job was run again", said2)
        job = queue.get(job_id)
        assert job.state == "succeeded" and job.attempts == 2, job
        assert len(fake_facebook.posts) == 1 and len(fake_x.posts) == 1  # never twice
        with Session(db) as s:
            posts = {p.channel: p.state for p in channel_posts(s, draft_id, 1)}
        assert posts == {"facebook": "in_doubt", "twitter": "posted"}, posts
        assert state_of(db, draft_id).state == "approved"  # waits for a person's answer
        queue.close()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        db.dispose()
