"""Issue 14.4: a decision for every face — blur this face (the default fix blurs only the
faces that need it; undo puts the photo back), "not a learner" by the author, "this is
learner X" by an admin, headteacher or DSL — each a new revision and an audit entry."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from consent_store.register_import import import_register_file
from moderation.draft import DraftImage
from moderation.options import CheckOptions
from secondlook.enrolment import ReferencePhotoUpload, enrol
from secondlook.workflow import drafts, faces
from secondlook.workflow.errors import Forbidden, InvalidContent
from secondlook.workflow.models import AuditEntry, DraftState
from tests.conftest import EXAMPLES, TEST_KEY, checker_for
from tests.face_support import FakeBackend, painted
from tests.image_support import fake_engine

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf

JAYDEN, AMELIA, ZOE = "B234567890123", "A123456789012", "C345678901234"  # all, classdojo, fb+cd
# Face 1 (left) is Jayden, enrolled, consent for every channel; face 2 nobody enrolled.
PHOTO = painted((320, 200), [(9, 40, 20, 60), (5, 40, 200, 60)])


@pytest.fixture
def checker(wf: Session, engine):  # noqa: ANN001, ANN201
    import_register_file(wf, EXAMPLES / "register.csv")
    enrol(session=wf, upn=JAYDEN, key=TEST_KEY, options=CheckOptions(face_workers=1),
          photos=[ReferencePhotoUpload("ref.png", painted((200, 200), [(9, 40, 40, 90)]))],
          backend=FakeBackend())
    wf.flush()
    return checker_for(fake_engine(engine))


def _draft(wf, staff, checker, channels=("facebook",)):  # noqa: ANN001, ANN202
    return drafts.create_draft(session=wf, author=staff["alice"], text="Sports day!",
                               images=[DraftImage(data=PHOTO, alt="Two runners", name="race.png")],
                               channels=list(channels), checker=checker)


def _faces(view):  # noqa: ANN001, ANN202
    return view.report["images"][0]["faces"]


def _face_findings(view):  # noqa: ANN001, ANN202
    return {f["face"]: f for f in view.report["findings"] if f["check"] == "face"}


def _log(wf: Session, draft_id: int) -> list[tuple[str, str, dict]]:
    rows = wf.exec(select(AuditEntry).where(AuditEntry.draft_id == draft_id)
                   .order_by(AuditEntry.position))
    return [(e.actor, e.action, json.loads(e.detail)) for e in rows]


def test_the_default_fix_blurs_only_the_faces_that_need_it(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    assert [f["learner"] for f in _faces(view)] == [JAYDEN, None] and view.verdict == "review"
    fixed = drafts.apply_blurred_copy(session=wf, draft_id=view.id, user=staff["alice"],
                                      image=0, checker=checker)
    assert fixed.revision.number == 2 and fixed.verdict == "pass"
    # Jayden, whose consent covers the channel, is still seen (and still matched)
    assert [(f["learner"], f["decision"]) for f in _faces(fixed)] == [(JAYDEN, None),
                                                                      (None, "blurred")]
    assert _face_findings(fixed)[1]["rule"] == "faces.blurred"
    assert fixed.revision.system_edit == "blurred face 2 in photo 1"
    actor, action, detail = _log(wf, view.id)[-1]
    assert (actor, action, detail["photo"], detail["faces"]) == ("alice", "face blurred", 1, [2])


def test_blur_this_face_then_undo_puts_the_photo_back(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    original = view.images[0].sha256
    blurred = faces.blur_faces(session=wf, draft_id=view.id, user=staff["alice"], image=0,
                               faces=[0], checker=checker)
    assert blurred.images[0].sha256 != original
    assert [f["decision"] for f in _faces(blurred)] == ["blurred", None]
    undone = faces.undo(session=wf, draft_id=view.id, user=staff["alice"], image=0, face=0,
                        checker=checker)
    assert undone.revision.number == 3 and undone.images[0].sha256 == original
    assert [f["learner"] for f in _faces(undone)] == [JAYDEN, None]
    assert undone.revision.report_json == view.revision.report_json
    assert [a for _, a, _ in _log(wf, view.id)][-2:] == ["face blurred", "face blur undone"]
    with pytest.raises(InvalidContent, match="no decision about face 1"):
        faces.undo(session=wf, draft_id=view.id, user=staff["alice"], image=0, face=0,
                   checker=checker)


def test_a_blur_voids_the_approval_given_before_it(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    drafts.submit(session=wf, draft_id=view.id, user=staff["alice"])
    approved = drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                              content_sha256=view.content_sha256)
    assert approved.approvals
    after = faces.blur_faces(session=wf, draft_id=view.id, user=staff["alice"], image=0,
                             faces=[1], checker=checker)
    assert not after.approvals and after.draft.state == DraftState.SUBMITTED
    assert _log(wf, view.id)[-1][2]["approvals_voided"] == 1


def test_not_a_learner_is_a_note_the_approver_reads(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    said = faces.not_a_learner(session=wf, draft_id=view.id, user=staff["alice"], image=0,
                               face=1, checker=checker)
    note = _face_findings(said)[1]
    assert (note["rule"], note["severity"]) == ("faces.not-a-learner", "info")
    assert "Alice says this is not a learner" in note["message"]
    assert said.verdict == "pass" and said.content_sha256 == view.content_sha256
    assert said.revision.number == 2 and _log(wf, view.id)[-1][1] == "face not a learner"
    # A face the matcher recognised is not the author's to wave through
    with pytest.raises(InvalidContent, match="matches an enrolled learner"):
        faces.not_a_learner(session=wf, draft_id=view.id, user=staff["alice"], image=0,
                            face=0, checker=checker)
    # It survives an edit of the text
    edited = drafts.revise(session=wf, draft_id=view.id, user=staff["alice"], checker=checker,
                           text="Sports day, what a day!")
    assert _face_findings(edited)[1]["rule"] == "faces.not-a-learner"


def test_only_an_admin_headteacher_or_dsl_says_who_a_face_is(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    for who in ("alice", "bob"):
        with pytest.raises(Forbidden):
            faces.identify(session=wf, draft_id=view.id, user=staff[who], image=0, face=1,
                           upn=AMELIA, checker=checker)
    # Amelia's photo consent covers Class Dojo only: identified, she blocks Facebook
    named = faces.identify(session=wf, draft_id=view.id, user=staff["helen"], image=0,
                           face=1, upn=AMELIA, checker=checker)
    finding = _face_findings(named)[1]
    assert (finding["rule"], finding["severity"], finding["learner"]) == (
        "faces.no-photo-consent", "block", AMELIA)
    assert "as Helen identified" in finding["message"] and named.verdict == "block"
    actor, action, detail = _log(wf, view.id)[-1]
    assert (actor, action, detail["upn"], detail["role"]) == (
        "helen", "face identified", AMELIA, "headteacher")
    assert named.revision.edited_by_id == staff["alice"].id  # not an edit: she may sign off
    # The DSL says it is Zoë instead: no biometric consent, but a person identified her,
    # and her photo consent covers Facebook
    again = faces.identify(session=wf, draft_id=view.id, user=staff["dora"], image=0, face=1,
                           upn=ZOE, checker=checker)
    assert _face_findings(again)[1]["rule"] == "faces.consent-granted"
    assert again.verdict == "pass"
    with pytest.raises(InvalidContent, match="no learner with UPN"):
        faces.identify(session=wf, draft_id=view.id, user=staff["adam"], image=0, face=1,
                       upn="X000", checker=checker)


def test_an_unknown_face_reports_how_close_the_nearest_learner_came(wf, staff, checker) -> None:  # noqa: ANN001
    view = _draft(wf, staff, checker)
    jayden, unknown = _faces(view)
    assert jayden["nearest"] == pytest.approx(0.0) and jayden["distance"] == pytest.approx(0.0)
    assert unknown["learner"] is None and unknown["nearest"] == pytest.approx(2 ** 0.5, abs=1e-4)
