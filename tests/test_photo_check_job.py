"""Photo checks are a background job: saving a draft with photos returns before any face
is looked for, the draft page says "photos still being checked" with how many are done
and reloads itself, and nothing can be submitted, approved or released until the job has
checked every photo. A job that fails leaves a review finding on each photo; a job run
twice gives its findings once. Here no runner works jobs unless the test says so
(``jobs_run = server``, as ``make run`` without its runner thread)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from secondlook.accounts.models import Role, User
from secondlook.jobs import MAX_ATTEMPTS, running
from secondlook.jobs.local import LocalRunner
from secondlook.jobs.models import Job
from secondlook.workflow.models import AuditEntry, DraftRecord
from tests.conftest import EXAMPLES
from tests.face_support import FakeBackend, painted
from tests.web_support import add_user, api_token, make_app, signed_in

REFRESH = '<meta http-equiv="refresh"'
PENDING = "Photos still being checked:"
FAILED = "face.photo-check-failed"  # the rule of a photo whose check did not finish


class CountingBackend(FakeBackend):
    """The fake detector, counting calls; ``during`` runs inside each detection."""

    def __init__(self) -> None:
        self.calls = 0
        self.during = None

    def detect_faces(self, image):  # noqa: ANN001, ANN201
        self.calls += 1
        if self.during is not None:
            self.during(self.calls)
        return super().detect_faces(image)


@pytest.fixture
def school(sqlite_db, blank_nlp):  # noqa: ANN001, ANN201
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    app = make_app(sqlite_db, blank_nlp, jobs_run="server")  # no runner started
    backend = CountingBackend()
    app.state.moderation.services["face-backend"] = backend
    users = {"amy": add_user(sqlite_db, "amy", Role.AUTHOR, name="Amy Author"),
             "bob": add_user(sqlite_db, "bob", Role.APPROVER, name="Bob Approver")}
    clients = {name: signed_in(app, sqlite_db, u) for name, u in users.items()}
    return {"app": app, "db": sqlite_db, "backend": backend, **clients}


def _photos(n: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("photos", (f"IMG_{i}.png", painted((400, 300), [(7, 60, 80 + i, 80)]),
                        "image/png")) for i in range(n)]


def _new(client, csrf: str, photos: int) -> int:  # noqa: ANN001
    resp = client.post("/drafts", data={"csrf_token": csrf, "text": "Sports day",
                                        "channels": ["facebook", "classdojo"]},
                       files=_photos(photos) or None, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return int(resp.headers["location"].rsplit("/", 1)[1])


def _jobs(db) -> list[Job]:  # noqa: ANN001
    with Session(db) as s:
        return list(s.exec(select(Job).where(Job.task == "check_photos")
                           .order_by(col(Job.id))))


def _work(school) -> None:  # noqa: ANN001
    """What the server's runner thread does: run the jobs that are due."""
    LocalRunner(school["db"], school["app"].state.job_context).work_once()


def _report(db, draft_id: int) -> dict:  # noqa: ANN001
    from secondlook.workflow.views import load_view

    with Session(db) as s:
        return json.loads(load_view(s, draft_id).revision.report_json)


def test_upload_returns_before_any_face_is_looked_for_and_the_page_counts_photos(
        school) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, photos=3)
    assert school["backend"].calls == 0  # no detection in the request
    [job] = _jobs(school["db"])
    assert job.state == "todo" and json.loads(job.args)["draft_id"] == draft_id
    page = client.get(f"/drafts/{draft_id}").text
    assert PENDING in page and "0 of 3 photos checked" in page and REFRESH in page
    assert "Checks not complete" in page and '<rect class="face' not in page

    seen = {}
    # While the job works through the photos, the page says how far it got.
    school["backend"].during = lambda n: seen.setdefault(n, client.get(f"/drafts/{draft_id}")
                                                         .text)
    _work(school)
    assert "1 of 3 photos checked" in seen[2] and "2 of 3 photos checked" in seen[3]
    done = client.get(f"/drafts/{draft_id}").text
    assert PENDING not in done and REFRESH not in done and "Checks not complete" not in done
    assert len(re.findall(r'<rect class="face unknown"', done)) == 3
    assert "still being checked" not in done
    assert _jobs(school["db"])[0].state == "succeeded"


def _edit(client, csrf: str, draft_id: int, text: str, alts: list[str]) -> None:  # noqa: ANN001
    page = client.get(f"/drafts/{draft_id}?edit=1").text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    resp = client.post(f"/drafts/{draft_id}/edit", data={
        "csrf_token": csrf, "revision": revision, "text": text, "alt": alts,
        "channels": ["facebook", "classdojo"]}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def test_nothing_is_submitted_or_approved_while_photos_are_unchecked(school) -> None:  # noqa: ANN001
    amy, amy_csrf = school["amy"]
    draft_id = _new(amy, amy_csrf, photos=2)
    _work(school)
    _edit(amy, amy_csrf, draft_id, "Sports day", ["Children racing", "The finish line"])
    page = amy.get(f"/drafts/{draft_id}").text
    assert PENDING in page and f'action="/drafts/{draft_id}/submit"' not in page
    refused = amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf},
                       follow_redirects=False)
    assert refused.status_code == 409 and "photos are still being checked" in refused.text
    _work(school)
    assert f'action="/drafts/{draft_id}/submit"' in amy.get(f"/drafts/{draft_id}").text
    assert amy.post(f"/drafts/{draft_id}/submit", data={"csrf_token": amy_csrf},
                    follow_redirects=False).status_code == 303

    # A change to the submitted draft: a colleague cannot approve it until it is checked.
    _edit(amy, amy_csrf, draft_id, "Sports day!", ["Children racing", "The finish line"])
    bob, bob_csrf = school["bob"]
    bob_page = bob.get(f"/drafts/{draft_id}").text
    assert PENDING in bob_page and f'action="/drafts/{draft_id}/approve"' not in bob_page
    sha = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', bob_page)
    refused = bob.post(f"/drafts/{draft_id}/approve", data={
        "csrf_token": bob_csrf, "content_sha256": sha.group(1) if sha else ""},
        follow_redirects=False)
    assert refused.status_code in (409, 422)
    with Session(school["db"]) as s:
        assert s.get(DraftRecord, draft_id).state == "submitted"
    _work(school)
    bob_page = bob.get(f"/drafts/{draft_id}").text
    assert f'action="/drafts/{draft_id}/approve"' in bob_page
    sha = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', bob_page).group(1)
    # The job's report is the one approving re-checks against: it holds.
    assert bob.post(f"/drafts/{draft_id}/approve", data={
        "csrf_token": bob_csrf, "content_sha256": sha}, follow_redirects=False
        ).status_code == 303


def test_a_job_killed_on_its_last_attempt_leaves_a_review_finding_per_photo(
        school) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, photos=2)
    [job] = _jobs(school["db"])
    with session_scope(school["db"]) as s:  # its worker was killed -9, the last time
        row = s.get(Job, job.id)
        row.state, row.worker, row.attempts = "doing", "dead-worker", MAX_ATTEMPTS
    _work(school)
    assert _jobs(school["db"])[0].state == "failed"
    page = client.get(f"/drafts/{draft_id}").text
    assert PENDING not in page and REFRESH not in page
    assert page.count("could not be checked: the photo check stopped") == 2
    report = _report(school["db"], draft_id)
    assert report["verdict"] != "pass"
    assert [(f["rule"], f["severity"]) for f in report["findings"] if f["check"] == "face"
            ] == [(FAILED, "review")] * 2


def test_a_job_that_crashes_leaves_review_findings_not_a_pass(school, monkeypatch) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, photos=1)

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("out of memory")

    from secondlook.workflow import photo_checks

    monkeypatch.setattr(photo_checks, "_check", crash)
    _work(school)
    assert _jobs(school["db"])[0].state == "failed"
    report = _report(school["db"], draft_id)
    assert report["verdict"] != "pass"
    [failed] = [f for f in report["findings"] if f["rule"] == FAILED]
    assert "Photo 1 could not be checked" in failed["message"]
    assert "out of memory" in failed["message"] and failed["image"] == 0
    assert failed["severity"] == "review"


def test_a_job_run_twice_gives_its_findings_once(school) -> None:  # noqa: ANN001
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, photos=2)
    [job] = _jobs(school["db"])
    _work(school)
    first = _report(school["db"], draft_id)
    with session_scope(school["db"]) as s:  # delivered again (a retry after a kill)
        row = s.get(Job, job.id)
        row.state, row.worker = "todo", ""
    running.run(school["db"], school["app"].state.job_context, job.id)
    assert _report(school["db"], draft_id) == first
    assert len([f for f in first["findings"] if f["check"] == "face"]) == 2
    with Session(school["db"]) as s:
        checked = s.exec(select(AuditEntry).where(AuditEntry.draft_id == draft_id,
                                                  AuditEntry.action == "photos checked")).all()
    assert len(checked) == 1


def test_the_api_answers_with_complete_reports_whoever_saved_the_draft(school) -> None:  # noqa: ANN001
    """The report JSON contract holds: the API never answers with photos unchecked."""
    client, csrf = school["amy"]
    draft_id = _new(client, csrf, photos=2)
    assert PENDING in client.get(f"/drafts/{draft_id}").text  # the page saved it quickly
    with Session(school["db"]) as s:
        amy = s.exec(select(User).where(User.username == "amy")).one()
    api = TestClient(school["app"])
    api.headers["Authorization"] = f"Bearer {api_token(school['db'], amy)}"
    photo = base64.b64encode(painted((400, 300), [(7, 60, 80, 80)])).decode()
    created = api.post("/api/drafts", json={
        "text": "Sports day", "channels": ["facebook"],
        "images": [{"data_base64": photo, "alt": "a race"}]})
    assert created.status_code == 201, created.text
    assert [len(i["faces"]) for i in created.json()["report"]["images"]] == [1]
    assert not [f for f in created.json()["report"]["findings"]
                if f["rule"] == "face.photo-not-checked-yet"]
    assert len(_jobs(school["db"])) == 1  # the API's draft was checked in its request

    report = api.get(f"/api/drafts/{draft_id}").json()["report"]
    assert [len(i["faces"]) for i in report["images"]] == [1, 1]
    assert not [f for f in report["findings"] if f["rule"] == "face.photo-not-checked-yet"]
    _work(school)  # the job, coming after, finds nothing left to do and changes nothing
    stored = _report(school["db"], draft_id)
    assert [f["rule"] for f in stored["findings"]] == [f["rule"] for f in report["findings"]]
    assert _jobs(school["db"])[0].state == "succeeded"
