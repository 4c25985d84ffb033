"""Scheduled releases, the periodic rounds (due releases, mail) and their clean-up are
jobs on the queue, not loops of their own: a scheduled post goes out at its time from its
own job on whichever worker takes it; the round catches a schedule whose job was lost; a
moved or cancelled schedule's old job does nothing; on PostgreSQL procrastinate's
periodic tasks start each round once however many workers run."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select, update

from consent_store.db import make_engine, session_scope
from consent_store.models import utcnow
from secondlook.jobs import JobContext
from secondlook.jobs.local import LocalQueue, LocalRunner
from secondlook.jobs.models import Job
from secondlook.jobs.periodic import cron, every
from secondlook.jobs.pruning import prune
from secondlook.release import scheduling
from secondlook.release.credentials import set_credentials
from secondlook.release.models import ScheduledRelease
from secondlook.workflow.models import DraftState
from tests.conftest import TEST_KEY, migrated_url
from tests.fakes import x as xfake
from tests.release_helpers import approved_draft, state_of
from tests.web_support import make_app, signed_in
from tests.workflow_helpers import add_staff

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def _until_released(db, draft_id: int, seconds: float = 20) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while state_of(db, draft_id).state != DraftState.RELEASED:
        assert time.monotonic() < deadline, "the scheduled post was not released"
        time.sleep(0.1)


def _jobs(db, **where) -> list[Job]:  # noqa: ANN001, ANN003
    with Session(db) as s:
        query = select(Job).order_by(col(Job.id))
        for name, value in where.items():
            query = query.where(getattr(Job, name) == value)
        return list(s.exec(query))


def _runner(db, settings, checker, **update_) -> LocalRunner:  # noqa: ANN001, ANN003
    context = JobContext(db, settings.model_copy(update=update_), checker)
    context.jobs = LocalQueue(db)
    return LocalRunner(db, context, poll_seconds=0.2)


def test_a_scheduled_post_goes_out_from_its_own_job_at_its_time(
        sqlite_db, staff, mengine, configured, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    at = utcnow() + timedelta(seconds=1)
    with session_scope(sqlite_db) as s:
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"], at=at)
    LocalQueue(sqlite_db).defer(scheduling.SCHEDULED_TASK, run_at=at, draft_id=draft_id,
                                lock=scheduling.scheduled_lock(draft_id, at))
    runner = _runner(sqlite_db, configured, mengine, release_scheduler_seconds=0)
    assert "due_releases" not in runner.every  # no round: only the schedule's own job
    runner.start()
    try:
        _until_released(sqlite_db, draft_id)
    finally:
        runner.stop()
    assert len(fake_x.posts) == 1
    (job,) = _jobs(sqlite_db, task=scheduling.SCHEDULED_TASK)
    assert job.state == "succeeded"  # and not before its time
    assert job.started_at.replace(tzinfo=None) >= at.replace(tzinfo=None)
    with Session(sqlite_db) as s:
        assert s.get(ScheduledRelease, draft_id).state == "done"


def test_the_schedule_page_queues_the_job_and_a_moved_schedules_old_job_does_nothing(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_x) -> None:  # noqa: ANN001
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    app = make_app(sqlite_db, blank_nlp, home=configured.home, data_key=configured.data_key,
                   x_api_url=configured.x_api_url)
    alice, csrf = signed_in(app, sqlite_db, staff["alice"])
    year = utcnow().year + 1
    for day in ("15", "16"):  # then moved a day later
        done = alice.post(f"/drafts/{draft_id}/release/schedule",
                          data={"csrf_token": csrf, "at": f"{year}-01-{day}T09:00"})
        assert done.status_code == 200, done.text
    first, second = _jobs(sqlite_db, task=scheduling.SCHEDULED_TASK)
    assert (first.run_at.day, second.run_at.day) == (15, 16)
    assert first.state == second.state == "todo"  # each waits for its moment
    with session_scope(sqlite_db) as s:  # the first one's moment comes
        s.exec(update(Job).where(col(Job.id) == first.id).values(run_at=utcnow()))  # type: ignore[call-overload]
    runner = _runner(sqlite_db, configured, mengine, release_scheduler_seconds=0)
    assert runner.work_once() == 1
    assert state_of(sqlite_db, draft_id).state == DraftState.APPROVED and fake_x.posts == []
    with Session(sqlite_db) as s:
        assert s.get(ScheduledRelease, draft_id).state == "waiting"  # for the 16th


def test_the_periodic_round_releases_a_schedule_whose_job_was_lost(
        sqlite_db, staff, mengine, configured, fake_x) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    with session_scope(sqlite_db) as s:  # e.g. scheduled before an upgrade: no job of its own
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=utcnow() + timedelta(seconds=1))
    runner = _runner(sqlite_db, configured, mengine, release_scheduler_seconds=1)
    runner.start()
    try:
        _until_released(sqlite_db, draft_id)
    finally:
        runner.stop()
    assert len(fake_x.posts) == 1
    rounds = _jobs(sqlite_db, task="due_releases")
    assert rounds and all(r.lock == "every-due_releases" for r in rounds)
    assert all(r.state in ("succeeded", "todo") for r in rounds)


def test_rounds_follow_their_settings_and_old_finished_jobs_are_deleted(sqlite_db) -> None:
    from secondlook.config import Settings

    assert set(every(Settings())) == {"due_releases", "prune_jobs"}  # no relay: no mail round
    assert every(Settings(smtp_host="mail.school.example", mail_send_seconds=15))[
        "send_mail"] == 15
    assert "due_releases" not in every(Settings(release_scheduler_seconds=0))
    assert (cron(15), cron(60), cron(300), cron(3600)) == (
        "* * * * * */15", "*/1 * * * *", "*/5 * * * *", "0 */1 * * *")
    now = utcnow()
    with session_scope(sqlite_db) as s:
        for lock, age, state in [("every-send_mail", 2, "succeeded"),
                                 ("release-draft-1", 2, "succeeded"),
                                 ("release-draft-2", 40, "failed"),
                                 ("release-draft-3", 40, "doing")]:
            s.add(Job(task="release_draft", args="{}", lock=lock, state=state,
                      finished_at=now - timedelta(days=age)))
    assert prune(sqlite_db, kept_days=30, now=now) == 2
    assert [j.lock for j in _jobs(sqlite_db)] == ["release-draft-1", "release-draft-3"]


@pytest.mark.postgres
def test_on_postgres_two_workers_start_each_round_once_and_release_what_is_due(
        tmp_path, mengine, _x_server, fake_x) -> None:  # noqa: ANN001
    from secondlook.config import Settings
    from secondlook.jobs.procrastinate_queue import ProcrastinateRunner

    url = migrated_url("postgres", tmp_path)
    db = make_engine(url)
    staff = add_staff(db)
    with session_scope(db) as s:
        set_credentials(session=s, channel="twitter", actor=None, key=TEST_KEY,
                        values={"username": "oakfieldpri", "token": xfake.TOKEN})
    draft_id = approved_draft(db, staff, mengine, ["twitter"], photos=[])
    with session_scope(db) as s:
        scheduling.schedule(session=s, draft_id=draft_id, user=staff["alice"],
                            at=utcnow() + timedelta(seconds=1))
    settings = Settings(database_url=url, home=tmp_path, x_api_url=_x_server[1].url,
                        release_scheduler_seconds=1, jobs_stalled_seconds=5)
    runners = [ProcrastinateRunner(JobContext(db, settings, mengine), settings, name=n)
               for n in ("one", "two")]
    started = time.monotonic()
    for runner in runners:
        runner.start()
    try:
        _until_released(db, draft_id, seconds=30)
        time.sleep(3)
    finally:
        for runner in runners:
            runner.stop()
    seconds = time.monotonic() - started
    rounds = _jobs(db, task="due_releases")
    assert len(fake_x.posts) == 1
    # one round a second at most, however many workers tick (not one each)
    assert 1 <= len(rounds) <= seconds + 2, (len(rounds), seconds)
    db.dispose()
