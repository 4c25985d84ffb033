"""The workflow's rules, as an author, approver, headteacher and DSL meet them."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlmodel import select

from consent_store.db import session_scope
from consent_store.register_import import import_register_file
from moderation.checks.image import ImageCheck
from moderation.draft import Draft, DraftImage
from moderation.pipeline import Engine
from secondlook.workflow import audit, drafts, rules
from secondlook.workflow.errors import Conflict, Forbidden, InvalidContent, InvalidTransition
from secondlook.workflow.models import DraftState, ImageBlob
from tests.conftest import EXAMPLES, TODAY, checker_for
from tests.face_support import painted
from tests.image_support import fake_engine
from tests.workflow_helpers import MarkerCheck, gps_jpeg, photo

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine



def new(wf, staff, mengine, text="Sports day was great!", author="alice", **kw):  # noqa: ANN001
    return drafts.create_draft(session=wf, author=staff[author], text=text, checker=mengine,
                               **kw)


def submitted(wf, staff, mengine, **kw):  # noqa: ANN001
    view = new(wf, staff, mengine, **kw)
    return drafts.submit(session=wf, draft_id=view.id, user=staff[kw.get("author", "alice")])


def test_a_new_draft_is_checked_against_the_stored_register(sqlite_db, staff, engine) -> None:
    with session_scope(sqlite_db) as s:
        import_register_file(s, EXAMPLES / "register.csv")
    with session_scope(sqlite_db) as s:
        view = drafts.create_draft(session=s, author=staff["alice"], checker=checker_for(engine),
                                   text="Well done Amelia Thompson", channels=["facebook"],
                                   today=TODAY)
        assert view.verdict == "block" and view.draft.state == DraftState.DRAFT
        assert view.report["findings"][0]["learner"] == "A123456789012"
        assert view.content_sha256 == Draft.create("Well done Amelia Thompson", [],
                                                   ["facebook"]).content_sha256()


def test_photos_are_stored_without_metadata_with_alt_text_and_tagged_findings(
        wf, staff, blank_nlp) -> None:  # noqa: ANN001
    upload = DraftImage(data=gps_jpeg(), alt="Children racing", name="race.jpg")
    checks = Engine(nlp=blank_nlp, checks=[ImageCheck(), MarkerCheck()])
    view = new(wf, staff, checker_for(checks), text="[safeguarding] sports day",
               images=[upload, upload], channels=["classdojo"])
    assert [i.alt for i in view.images] == ["Children racing", "Children racing"]
    assert len(wf.exec(select(ImageBlob)).all()) == 1  # the same photo twice is stored once
    blob = wf.get(ImageBlob, view.images[0].sha256)
    assert blob.media_type == "image/jpeg" and blob.data != upload.data
    assert not Image.open(io.BytesIO(blob.data)).getexif()  # no GPS, no camera
    assert "GPSInfo" in view.report["images"][0]["metadata_removed"]
    assert view.revision.safeguarding and view.verdict == "review"
    assert view.report["findings"][0]["tags"] == ["safeguarding"]
    gps = [f for f in view.report["findings"] if f["rule"] == "image.gps-location"]
    assert [(f["image"], f["severity"]) for f in gps] == [(0, "info"), (1, "info")]
    stored = DraftImage(data=blob.data, alt="Children racing")
    expected = Draft.create("[safeguarding] sports day", [stored, stored], ["classdojo"])
    assert view.content_sha256 == expected.content_sha256()  # the hash is of what goes out


def test_a_damaged_photo_is_refused_with_what_to_do(wf, staff, mengine) -> None:
    broken = DraftImage(data=gps_jpeg()[:200], alt="x", name="IMG_0001.jpg")
    with pytest.raises(InvalidContent, match=r"photo 1 \(IMG_0001.jpg\) is damaged.*again"):
        new(wf, staff, mengine, images=[broken])


def test_only_authors_create_and_bad_content_is_explained(wf, staff, mengine) -> None:
    with pytest.raises(Forbidden, match="needs the author role"):
        new(wf, staff, mengine, author="bob")
    with pytest.raises(InvalidContent, match="unknown channel 'myspace'"):
        new(wf, staff, mengine, channels=["myspace"])
    with pytest.raises(InvalidContent, match="needs text or at least one photo"):
        new(wf, staff, mengine, text="  ")


def test_draft_to_release_with_a_second_colleague(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine)
    view = drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                          content_sha256=view.content_sha256)
    assert view.draft.state == DraftState.APPROVED
    view = drafts.mark_released(session=wf, draft_id=view.id, user=staff["alice"],
                                links={"facebook": "https://facebook.com/p/1"})
    assert view.draft.state == DraftState.RELEASED
    assert view.draft.released_sha256 == view.content_sha256
    actions = [e.action for e in audit.history(session=wf, draft_id=view.id)]
    assert actions == ["created", "submitted", "approved", "released"]


def test_the_author_cannot_approve_their_own_draft(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine, author="carol")
    assert "approve" not in rules.allowed_actions(staff["carol"], view)
    assert "approve" in rules.allowed_actions(staff["bob"], view)
    with pytest.raises(Forbidden, match="you wrote draft"):
        drafts.approve(session=wf, draft_id=view.id, user=staff["carol"],
                       content_sha256=view.content_sha256)


def test_a_colleague_who_edited_cannot_approve(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine)
    view = drafts.revise(session=wf, draft_id=view.id, user=staff["bob"], checker=mengine,
                         text="Sports day was brilliant!")
    assert view.revision.number == 2 and view.draft.state == DraftState.SUBMITTED
    with pytest.raises(Forbidden, match=r"you edited draft \d+ \(revision 2\)"):
        drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                       content_sha256=view.content_sha256)
    view = drafts.approve(session=wf, draft_id=view.id, user=staff["carol"],
                          content_sha256=view.content_sha256)
    assert view.draft.state == DraftState.APPROVED


def test_any_edit_voids_the_approval(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine, channels=["facebook", "classdojo"])
    old_hash = view.content_sha256
    drafts.approve(session=wf, draft_id=view.id, user=staff["bob"], content_sha256=old_hash)
    view = drafts.drop_channel(session=wf, draft_id=view.id, user=staff["alice"],
                               channel="facebook", checker=mengine)
    assert view.revision.system_edit == "stopped posting to Facebook"
    assert view.draft.state == DraftState.SUBMITTED and view.approvals == []
    assert view.content_sha256 != old_hash
    with pytest.raises(InvalidTransition, match="cannot release draft .*: it is submitted"):
        drafts.mark_released(session=wf, draft_id=view.id, user=staff["alice"])
    with pytest.raises(Conflict, match="changed since you opened it"):
        drafts.approve(session=wf, draft_id=view.id, user=staff["bob"], content_sha256=old_hash)


def test_unchanged_content_makes_no_new_revision(wf, staff, mengine) -> None:
    view = new(wf, staff, mengine, images=[DraftImage(data=photo(), alt="a", name="a.jpg")])
    same = drafts.revise(session=wf, draft_id=view.id, user=staff["alice"], checker=mengine,
                         text=view.revision.text)
    assert same.revision.number == 1
    alt = drafts.revise(session=wf, draft_id=view.id, user=staff["alice"], checker=mengine,
                        images=[DraftImage(data=photo(), alt="Runners at the line")])
    assert alt.revision.number == 2 and alt.images[0].sha256 == view.images[0].sha256


def test_block_can_never_be_submitted_or_approved(wf, staff, mengine) -> None:
    with pytest.raises(InvalidTransition, match="blocks release"):
        submitted(wf, staff, mengine, text="[block] home address")
    view = submitted(wf, staff, mengine)
    view = drafts.revise(session=wf, draft_id=view.id, user=staff["alice"], checker=mengine,
                         text="now [block]")
    assert view.draft.state == DraftState.DRAFT  # back to the author, out of the queue
    with pytest.raises(InvalidTransition, match="cannot approve"):
        drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                       content_sha256=view.content_sha256)


def test_review_verdict_needs_a_headteacher_sign_off(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine, text="The councillor [review] lied")
    view = drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                          content_sha256=view.content_sha256)
    assert view.draft.state == DraftState.SUBMITTED
    with pytest.raises(InvalidTransition, match="cannot release draft .*: it is submitted"):
        drafts.mark_released(session=wf, draft_id=view.id, user=staff["alice"])
    with pytest.raises(Forbidden, match="no safeguarding finding"):
        drafts.sign_off(session=wf, draft_id=view.id, user=staff["dora"],
                        content_sha256=view.content_sha256, reason="Parents asked for it")
    with pytest.raises(InvalidContent, match="at least 10 characters"):
        drafts.sign_off(session=wf, draft_id=view.id, user=staff["helen"],
                        content_sha256=view.content_sha256, reason="ok")
    view = drafts.sign_off(session=wf, draft_id=view.id, user=staff["helen"],
                           content_sha256=view.content_sha256,
                           reason="Quoting the public minutes accurately")
    assert view.draft.state == DraftState.APPROVED
    entry = audit.history(session=wf, draft_id=view.id)[-1]
    assert entry.action == "signed off"
    assert json.loads(entry.detail)["reason"] == "Quoting the public minutes accurately"


def test_the_dsl_signs_off_safeguarding_findings(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine, text="Trip [safeguarding] photos")
    view = drafts.sign_off(session=wf, draft_id=view.id, user=staff["dora"],
                           content_sha256=view.content_sha256,
                           reason="No child is identifiable from the location")
    assert view.sign_offs[0].role == "dsl" and view.draft.state == DraftState.SUBMITTED
    view = drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                          content_sha256=view.content_sha256)
    assert view.draft.state == DraftState.APPROVED


def test_return_then_resubmit_needs_a_fresh_approval(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine)
    drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                   content_sha256=view.content_sha256)
    with pytest.raises(Forbidden, match="needs the approver or headteacher or dsl role"):
        drafts.return_draft(session=wf, draft_id=view.id, user=staff["alice"],
                            reason="I changed my mind")
    view = drafts.return_draft(session=wf, draft_id=view.id, user=staff["carol"],
                               reason="Please add alt text to the photo")
    assert view.draft.state == DraftState.RETURNED and view.approvals == []
    assert view.returns[0].reason == "Please add alt text to the photo"
    view = drafts.submit(session=wf, draft_id=view.id, user=staff["alice"])
    assert view.draft.state == DraftState.SUBMITTED and view.approvals == []


def test_a_rejected_draft_is_final(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine, text="[review] rumours")
    with pytest.raises(Forbidden, match="headteacher"):
        drafts.reject(session=wf, draft_id=view.id, user=staff["bob"],
                      reason="Not appropriate for us")
    view = drafts.reject(session=wf, draft_id=view.id, user=staff["helen"],
                         reason="We do not repeat rumours")
    assert view.draft.state == DraftState.REJECTED
    with pytest.raises(InvalidTransition, match="it is rejected"):
        drafts.revise(session=wf, draft_id=view.id, user=staff["alice"], checker=mengine,
                      text="rumours, revised")
    assert rules.allowed_actions(staff["alice"], view) == frozenset({"delete"})  # only that


def test_an_author_cannot_see_a_colleagues_draft(wf, staff, mengine) -> None:
    view = new(wf, staff, mengine, author="carol")
    with pytest.raises(Forbidden, match="belongs to another author"):
        drafts.get_draft(session=wf, draft_id=view.id, user=staff["alice"])
    assert drafts.get_draft(session=wf, draft_id=view.id, user=staff["bob"]).id == view.id


def test_claimed_release_happens_once_and_can_be_abandoned(wf, staff, mengine) -> None:
    view = submitted(wf, staff, mengine)
    drafts.approve(session=wf, draft_id=view.id, user=staff["bob"],
                   content_sha256=view.content_sha256)
    drafts.claim_release(session=wf, draft_id=view.id, user=staff["alice"])
    with pytest.raises(InvalidTransition, match="it is releasing"):
        drafts.claim_release(session=wf, draft_id=view.id, user=staff["bob"])
    view = drafts.abandon_release(session=wf, draft_id=view.id, user=staff["alice"],
                                  note="Facebook said 503")
    assert view.draft.state == DraftState.APPROVED


def test_blurring_needs_a_face_to_blur(wf, staff, mengine) -> None:
    view = new(wf, staff, mengine, images=[DraftImage(data=photo(), alt="field")])
    with pytest.raises(InvalidContent, match="no faces were found in photo 1"):
        drafts.apply_blurred_copy(session=wf, draft_id=view.id, user=staff["alice"], image=0,
                                  checker=mengine)
    with pytest.raises(InvalidContent, match="has no photo 3"):
        drafts.apply_blurred_copy(session=wf, draft_id=view.id, user=staff["alice"], image=2,
                                  checker=mengine)


def test_one_click_blur_is_a_new_revision_without_the_face(wf, staff, engine) -> None:  # noqa: ANN001
    checks = fake_engine(engine)  # the real image and face checks on a fake face detector
    face = painted((200, 160), [(7, 40, 60, 40)])
    view = new(wf, staff, checker_for(checks), images=[DraftImage(data=face, alt="A runner")],
               channels=["facebook"])
    assert len(view.report["images"][0]["faces"]) == 1
    blurred = drafts.apply_blurred_copy(session=wf, draft_id=view.id, user=staff["alice"],
                                        image=0, checker=checker_for(checks))
    assert blurred.revision.number == 2
    assert blurred.revision.system_edit == "blurred face 1 in photo 1"
    # Detection no longer finds it; the report keeps it, numbered, as blurred (a note)
    assert [f["decision"] for f in blurred.report["images"][0]["faces"]] == ["blurred"]
    assert blurred.verdict == "pass"
    assert blurred.images[0].sha256 != view.images[0].sha256
    assert blurred.images[0].alt == "A runner"
