"""A release whose process died (kill -9, power cut) does not leave its draft stuck in
``releasing``: at start-up and on every round of the background releaser (or ``secondlook
release due``), what its worker was sending becomes *in doubt* for a person to resolve,
a draft every channel has is marked released, the rest goes back to approved, and a
scheduled release stuck in ``running`` is reset. A post that may be online is on the
takedown list when consent is withdrawn."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from consent_store.db import session_scope
from consent_store.models import utcnow
from consent_store.register_import import LearnerChange
from secondlook.release import publishing, scheduling, service
from secondlook.release.models import ChannelPost, PostState, ScheduledRelease
from secondlook.release.service import channel_posts, record_link, release_draft
from secondlook.workflow.models import DraftState
from tests.fakes.server import Fault
from tests.release_helpers import approved_draft, state_of
from tests.web_support import api_token, make_app

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


class Killed(BaseException):
    """kill -9: the process stops where it is; no clean-up code runs."""


def _gone_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@contextmanager
def dead_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the block as a worker process that is gone afterwards (its pid has exited)."""
    from secondlook.release import workers

    gone = workers.Worker.of(pid=_gone_pid())
    with monkeypatch.context() as m:
        m.setattr(workers, "this_worker", lambda: gone)
        yield


def _killed_while_sending(monkeypatch, db, draft_id, user, settings, checker,  # noqa: ANN001
                          client, after: str = "send") -> None:
    """Release, and kill the process once the channel has the post (``after="send"``) or
    right after the workflow's claim (``after="claim"``)."""
    def kill(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise Killed()

    with dead_process(monkeypatch), monkeypatch.context() as m:
        m.setattr(service, "_give_back", lambda *a, **k: None)  # a dead process cleans nothing
        m.setattr(publishing, "record_posted" if after == "send" else "ensure_post", kill)
        with pytest.raises(Killed):
            release_draft(db=db, draft_id=draft_id, user=user, settings=settings,
                          checker=checker, client=client)


def _run_due(db, settings, checker, client, **kw) -> list:  # noqa: ANN001, ANN003
    return scheduling.run_due(db=db, settings=settings, checker=checker, client=client, **kw)


def test_a_release_killed_mid_send_is_in_doubt_and_a_person_resolves_it(
        sqlite_db, staff, mengine, configured, client, fake_x, monkeypatch) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    _killed_while_sending(monkeypatch, sqlite_db, draft_id, staff["alice"], configured,
                          mengine, client)
    assert len(fake_x.posts) == 1 and state_of(sqlite_db, draft_id).state == "releasing"
    _run_due(sqlite_db, configured, mengine, client)  # secondlook release due, from cron
    assert state_of(sqlite_db, draft_id).state == DraftState.APPROVED
    with Session(sqlite_db) as s:
        (post,) = channel_posts(s, draft_id, 1)
    assert post.state == PostState.IN_DOUBT and "may or may not be online" in post.error
    # Releasing again never resends what may be online...
    again = release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                          settings=configured, checker=mengine, client=client)
    assert again.channels[0].state == PostState.IN_DOUBT and len(fake_x.posts) == 1
    # ...and a person who finds it online completes the release.
    done = record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", user=staff["alice"],
                       url=f"https://x.com/oakfieldpri/status/{fake_x.posts[0].id}")
    assert done.state == DraftState.RELEASED and fake_x.calls.count("tweets") == 1


def test_the_server_recovers_at_start_up(sqlite_db, staff, mengine, configured, client,
                                         blank_nlp, fake_facebook, fake_x,
                                         monkeypatch) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "twitter"], photos=[])
    _killed_while_sending(monkeypatch, sqlite_db, draft_id, staff["alice"], configured,
                          mengine, client)
    app = make_app(sqlite_db, blank_nlp, home=configured.home, data_key=configured.data_key,
                   facebook_graph_url=configured.facebook_graph_url,
                   x_api_url=configured.x_api_url, release_scheduler_seconds=0)
    token = api_token(sqlite_db, staff["alice"])
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:  # start-up
        out = api.get(f"/api/drafts/{draft_id}/release").json()
    assert out["state"] == "approved"
    states = {c["channel"]: (c["state"], c["outcome"]) for c in out["channels"]}
    assert states == {"facebook": ("in_doubt", "may be online"),
                      "twitter": ("pending", "not sent yet")}
    assert len(fake_facebook.posts) == 1 and fake_x.posts == []


def test_a_running_server_recovers_a_release_that_died_elsewhere(
        sqlite_db, staff, mengine, configured, client, fake_x, monkeypatch) -> None:
    import time

    from secondlook.release.watch import release_watch

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    releaser = release_watch(sqlite_db, seconds=0.2)
    releaser.start()
    try:  # another process dies mid-release while this server runs
        _killed_while_sending(monkeypatch, sqlite_db, draft_id, staff["alice"], configured,
                              mengine, client)
        deadline = time.monotonic() + 10
        while state_of(sqlite_db, draft_id).state == DraftState.RELEASING:
            assert time.monotonic() < deadline, "the running server did not recover it"
            time.sleep(0.1)
    finally:
        releaser.stop()
    assert state_of(sqlite_db, draft_id).state == DraftState.APPROVED
    with Session(sqlite_db) as s:
        assert [p.state for p in channel_posts(s, draft_id, 1)] == [PostState.IN_DOUBT]


def test_a_release_every_channel_has_is_marked_released_on_recovery(
        sqlite_db, staff, mengine, configured, client, fake_x, monkeypatch) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    with dead_process(monkeypatch), monkeypatch.context() as m:
        m.setattr(service, "finish", lambda **_k: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):  # posted and recorded, but never marked released
            release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                          settings=configured, checker=mengine, client=client)
    assert state_of(sqlite_db, draft_id).state == "releasing"
    _run_due(sqlite_db, configured, mengine, client)
    assert state_of(sqlite_db, draft_id).state == DraftState.RELEASED
    assert len(fake_x.posts) == 1


def test_a_release_killed_before_sending_can_simply_be_released_again(
        sqlite_db, staff, mengine, configured, client, fake_x, monkeypatch) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    _killed_while_sending(monkeypatch, sqlite_db, draft_id, staff["alice"], configured,
                          mengine, client, after="claim")
    assert fake_x.calls == [] and state_of(sqlite_db, draft_id).state == "releasing"
    _run_due(sqlite_db, configured, mengine, client)
    assert state_of(sqlite_db, draft_id).state == DraftState.APPROVED
    out = release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, checker=mengine, client=client)
    assert out.state == DraftState.RELEASED and len(fake_x.posts) == 1


def test_a_release_in_progress_is_left_alone(sqlite_db, staff, mengine, configured, client,
                                             fake_x, monkeypatch) -> None:
    from secondlook.release import recovery

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    seen: list[tuple[str, list]] = []

    def publish_while_recovery_runs(**kw):  # noqa: ANN003, ANN202
        seen.append((state_of(sqlite_db, draft_id).state, recovery.recover(db=sqlite_db)))
        return real(**kw)

    real = publishing.publish
    monkeypatch.setattr(publishing, "publish", publish_while_recovery_runs)
    out = release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"],
                        settings=configured, checker=mengine, client=client)
    assert seen == [("releasing", [])]  # this process is alive: nothing was touched
    assert out.state == DraftState.RELEASED and len(fake_x.posts) == 1


def test_a_scheduled_release_stuck_in_running_is_reset_and_runs(
        sqlite_db, staff, mengine, configured, client, fake_x, monkeypatch) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    now = utcnow()
    with session_scope(sqlite_db) as s:
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=now + timedelta(minutes=5), now=now)
    with dead_process(monkeypatch), monkeypatch.context() as m:
        m.setattr(scheduling, "release_draft", lambda **_k: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            _run_due(sqlite_db, configured, mengine, client, now=now + timedelta(minutes=6))
    with Session(sqlite_db) as s:
        assert s.get(ScheduledRelease, draft_id).state == "running"
    (out,) = _run_due(sqlite_db, configured, mengine, client, now=now + timedelta(minutes=7))
    assert out.state == DraftState.RELEASED and len(fake_x.posts) == 1
    with Session(sqlite_db) as s:
        assert s.get(ScheduledRelease, draft_id).state == "done"


def test_a_post_that_may_be_online_is_on_the_takedown_list(
        sqlite_db, staff, mengine, configured, client, fake_x) -> None:
    from secondlook.release.takedowns import open_takedowns, takedown_queue

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    fake_x.faults.add("tweets", Fault(502, apply=True))  # posted, the answer lost: in doubt
    release_draft(db=sqlite_db, draft_id=draft_id, user=staff["alice"], settings=configured,
                  checker=mengine, client=client)
    with session_scope(sqlite_db) as s:
        (post,) = channel_posts(s, draft_id, 1)
        assert post.state == PostState.IN_DOUBT and len(fake_x.posts) == 1
        post.pictured = "A123456789012"  # the report matched her face in the photo
        s.add(post)
    with session_scope(sqlite_db) as s:
        open_takedowns(session=s, changes=[LearnerChange(
            "A123456789012", {"photo_channels": ("facebook;twitter", "facebook")})])
    with Session(sqlite_db) as s:
        (entry,) = takedown_queue(session=s)
    assert (entry.channel, entry.draft_id, entry.may_be_online) == ("twitter", draft_id, True)
    # A person looks: it is not there. Nothing is left to take down.
    record_link(db=sqlite_db, draft_id=draft_id, channel="twitter", url=None,
                user=staff["alice"])
    with Session(sqlite_db) as s:
        assert takedown_queue(session=s) == []
        assert s.exec(select(ChannelPost.state)).all() == [PostState.FAILED]
