"""When consent changes after a post went out, the headteacher gets the list of posts
to take down, with their links, until each is marked taken down."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from consent_store.db import session_scope
from consent_store.register_import import LearnerChange, apply_register, parse_register
from secondlook.accounts.models import User
from secondlook.release import publishing
from secondlook.release.adapters import Published
from secondlook.release.content import people_in_report
from secondlook.release.takedowns import mark_taken_down, open_takedowns, takedown_queue
from tests.fakes.content import content

HEADER = ("upn,first_name,last_name,year_group,photo_consent,name_consent,biometric_consent,"
          "never_publish,consent_expires\n")
AMELIA = "A123456789012"
JAYDEN = "B123456789012"
HEAD = User(id=9, username="head", display_name="Mrs Head", roles="headteacher")


def _register(db, amelia_photo: str = "all", amelia_name: str = "first",  # noqa: ANN001
              jayden_never: str = "no") -> list[LearnerChange]:
    csv = HEADER + (f"{AMELIA},Amelia,Thompson,Year 5,{amelia_photo},{amelia_name},yes,no,"
                    "2027-07-31\n"
                    f"{JAYDEN},Jayden,Okafor,Year 5,all,full,no,{jayden_never},2027-07-31\n")
    with session_scope(db) as s:
        return apply_register(s, parse_register(csv, "register.csv")).updated


class _Posted:
    """An adapter that always succeeds: these tests are about what happens after."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def publish(self, item) -> Published:  # noqa: ANN001
        return Published(f"{self.channel}-{item.draft_id}",
                         f"https://{self.channel}.example/{item.draft_id}")


def _release(db, draft_id: int, channels: tuple[str, ...], report: dict) -> None:  # noqa: ANN001
    named, pictured = people_in_report(report)
    item = content(f"Post {draft_id}", channels=channels, draft_id=draft_id)
    from dataclasses import replace
    item = replace(item, named=named, pictured=pictured)
    for channel in channels:
        publishing.publish(db=db, content=item, adapter=_Posted(channel), user_id=1)


def _face(upn: str) -> dict:
    return {"images": [{"index": 0, "faces": [{"learner": upn, "consent": "granted"}]}],
            "findings": []}


def _name(upn: str) -> dict:
    return {"images": [], "findings": [{"check": "learner_name", "learner": upn, "image": None}]}


@pytest.fixture
def released(db):  # noqa: ANN001, ANN201 - SQLite and PostgreSQL
    _register(db)
    _release(db, 1, ("facebook", "twitter"), _face(AMELIA))  # Amelia pictured
    _release(db, 2, ("facebook",), _name(AMELIA))  # Amelia named only
    _release(db, 3, ("twitter",), _face(JAYDEN))
    return db


def test_withdrawing_one_photo_channel_lists_the_pictured_posts_there(released) -> None:
    changes = _register(released, amelia_photo="twitter;classdojo")  # Facebook removed
    with session_scope(released) as s:
        opened = open_takedowns(session=s, changes=changes)
    assert len(opened) == 1
    with Session(released) as s:
        (item,) = takedown_queue(session=s)
    assert (item.channel, item.draft_id, item.learner_name) == ("facebook", 1, "Amelia Thompson")
    assert item.url == "https://facebook.example/1"
    assert item.reason == "photo consent for facebook withdrawn"


def test_never_publish_lists_every_post_naming_or_showing_the_learner(released) -> None:
    with session_scope(released) as s:
        open_takedowns(session=s, changes=_register(released, jayden_never="yes"))
        open_takedowns(session=s, changes=[LearnerChange(AMELIA, {"never_publish": (False, True)})])
    with Session(released) as s:
        queue = takedown_queue(session=s)
    found = sorted((i.learner_upn, i.draft_id, i.channel) for i in queue)
    assert found == [(AMELIA, 1, "facebook"), (AMELIA, 1, "twitter"), (AMELIA, 2, "facebook"),
                     (JAYDEN, 3, "twitter")]


def test_reducing_name_consent_lists_named_posts_not_photos(released) -> None:
    with session_scope(released) as s:
        open_takedowns(session=s, changes=_register(released, amelia_name="none"))
    with Session(released) as s:
        assert [(i.draft_id, i.reason) for i in takedown_queue(session=s)] == [
            (2, "name consent reduced to 'none'")]


def test_consent_that_expires_lists_everything_once(released) -> None:
    change = LearnerChange(JAYDEN, {"consent_expires": (date(2027, 7, 31), date(2026, 1, 1))})
    with session_scope(released) as s:
        assert len(open_takedowns(session=s, changes=[change], today=date(2026, 11, 25))) == 1
        assert open_takedowns(session=s, changes=[change], today=date(2026, 11, 25)) == []


def test_marking_a_post_taken_down_clears_it_from_the_queue(released) -> None:
    with session_scope(released) as s:
        open_takedowns(session=s, changes=_register(released, amelia_photo="none",
                                                     amelia_name="none"))
    with session_scope(released) as s:
        queue = takedown_queue(session=s)
        assert sorted((i.draft_id, i.channel) for i in queue) == [
            (1, "facebook"), (1, "twitter"), (2, "facebook")]
        with pytest.raises(PermissionError):
            mark_taken_down(session=s, takedown_id=queue[0].id,
                            user=User(id=2, username="a", display_name="A", roles="author"))
        mark_taken_down(session=s, takedown_id=queue[0].id, user=HEAD, note="deleted on FB")
        from secondlook.workflow import audit
        (entry,) = [e for e in audit.history(session=s, draft_id=queue[0].draft_id)
                    if e.action == "taken down"]
        assert "deleted on FB" in entry.detail and entry.actor == "head"
    with Session(released) as s:
        assert len(takedown_queue(session=s)) == 2
    # A later change for the same learner does not bring a taken-down post back.
    with session_scope(released) as s:
        again = [LearnerChange(AMELIA, {"never_publish": (False, True)})]
        assert open_takedowns(session=s, changes=again) == []


def test_a_change_that_withdraws_nothing_opens_nothing(released) -> None:
    with session_scope(released) as s:
        assert open_takedowns(session=s, changes=_register(released, amelia_name="full")) == []


def test_opening_takedowns_mails_the_admins_and_headteachers_without_the_learner(
        released) -> None:  # noqa: ANN001
    from sqlmodel import select

    from secondlook.mail.models import OutboxMail

    with session_scope(released) as s:
        s.add_all([User(username="dpo", display_name="Dee", roles="admin", email="dpo@s.example"),
                   User(username="boss", display_name="Mrs Boss", roles="headteacher",
                        email="boss@s.example"),
                   User(username="bob", display_name="Bob", roles="approver",
                        email="bob@s.example")])
    changes = _register(released, amelia_photo="none")
    with session_scope(released) as s:
        opened = open_takedowns(session=s, changes=changes)
    with Session(released) as s:
        mails = s.exec(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert sorted(m.to_address for m in mails) == ["boss@s.example", "dpo@s.example"]
    for mail in mails:
        assert mail.subject == f"Takedown needed: {len(opened)} post(s)"
        assert mail.link_path == "/takedowns"
        assert AMELIA not in mail.body and "Amelia" not in mail.body
