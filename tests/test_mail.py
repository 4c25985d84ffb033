"""Notification mails: who is told of each step, what a mail says (and never says), and
that mail the relay cannot take is tried again without the workflow ever waiting."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.mail.models import MailState, OutboxMail
from secondlook.mail.sending import MailSettings, send_due
from secondlook.workflow import drafts
from tests.mail_support import Mailbox, smtp_server

pytest_plugins = ["tests.workflow_support"]  # fixtures: staff, wf, mengine


@pytest.fixture
def mailed(wf, staff) -> dict[str, User]:  # noqa: ANN001
    """The workflow staff, each with an address (name@school.example), but Dora."""
    for name, user in staff.items():
        row = wf.get(User, user.id)
        row.email = None if name == "dora" else f"{name}@school.example"
        wf.add(row)
    wf.commit()
    return {name: wf.get(User, user.id) for name, user in staff.items()}


def outbox(wf) -> list[tuple[str, str]]:  # noqa: ANN001
    wf.flush()
    rows = wf.exec(select(OutboxMail).order_by(OutboxMail.id)).all()
    return [(r.event, r.to_address) for r in rows]


def _submitted(wf, staff, mengine, text: str, author: str = "alice"):  # noqa: ANN001, ANN202
    view = drafts.create_draft(session=wf, author=staff[author], text=text, checker=mengine)
    return drafts.submit(session=wf, draft_id=view.id, user=staff[author])


def mail_settings(box: Mailbox, **kw) -> MailSettings:  # noqa: ANN003
    return MailSettings(host=box.host, port=box.port, user=None, password=None,
                        starttls=False, sender="second-look@school.example",
                        base_url="https://look.school.example", **kw)


def test_a_submitted_post_is_mailed_to_the_approvers_but_never_its_author(
        wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "Sports day was great", author="carol")
    assert sorted(outbox(wf)) == [("submitted", "bob@school.example"),
                                  ("submitted", "helen@school.example")]


def test_a_flagged_post_goes_to_the_headteacher_once_and_the_approvers(
        wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "The councillor [review] lied")
    # Helen is headteacher and approver: one mail, the one asking for her sign-off.
    assert sorted(outbox(wf)) == [("flagged", "helen@school.example"),
                                  ("submitted", "bob@school.example"),
                                  ("submitted", "carol@school.example")]


def test_returned_approved_and_released_go_to_the_author(wf, mailed, mengine) -> None:  # noqa: ANN001
    view = _submitted(wf, mailed, mengine, "Well done everyone")
    first = len(outbox(wf))
    drafts.return_draft(session=wf, draft_id=view.id, user=mailed["bob"], reason="Add a date")
    view = drafts.revise(session=wf, draft_id=view.id, user=mailed["alice"], checker=mengine,
                         text="Well done everyone on Friday")
    drafts.submit(session=wf, draft_id=view.id, user=mailed["alice"])
    second = len(outbox(wf))
    drafts.approve(session=wf, draft_id=view.id, user=mailed["bob"],
                   content_sha256=view.content_sha256)
    drafts.mark_released(session=wf, draft_id=view.id, user=mailed["alice"])
    events = outbox(wf)
    assert events[first] == ("returned", "alice@school.example")
    assert events[second:] == [("approved", "alice@school.example"),
                               ("released", "alice@school.example")]


def test_a_flagged_post_is_approved_for_the_author_only_when_signed_off_too(
        wf, mailed, mengine) -> None:  # noqa: ANN001
    view = _submitted(wf, mailed, mengine, "The councillor [review] lied")
    before = len(outbox(wf))
    drafts.approve(session=wf, draft_id=view.id, user=mailed["bob"],
                   content_sha256=view.content_sha256)
    assert len(outbox(wf)) == before  # still waiting for the sign-off: nothing to tell
    drafts.sign_off(session=wf, draft_id=view.id, user=mailed["helen"],
                    content_sha256=view.content_sha256, reason="Checked with the council")
    assert outbox(wf)[before:] == [("approved", "alice@school.example")]


def test_a_mail_names_the_post_and_links_to_it_but_carries_no_reason_or_finding(
        wf, mailed, mengine) -> None:  # noqa: ANN001
    view = _submitted(wf, mailed, mengine, "Trip to the farm [review] today")
    drafts.return_draft(session=wf, draft_id=view.id, user=mailed["helen"],
                        reason="Amelia Thompson A123456789012 is in photo 2")
    wf.commit()
    mail = wf.exec(select(OutboxMail).where(OutboxMail.event == "returned")).one()
    with smtp_server() as box:
        assert send_due(db=wf.get_bind(), settings=mail_settings(box)).sent == len(outbox(wf))
        got = box.to("alice@school.example")
    assert len(got) == 1 and got[0].recipients == ["alice@school.example"]
    text = got[0].text
    assert "Trip to the farm [review] today" in got[0].subject
    assert f"https://look.school.example/drafts/{view.id}" in text
    assert "Helen returned your post" in text
    for secret in ("Amelia", "A123456789012", "photo 2", "marker"):
        assert secret not in text and secret not in got[0].subject
    assert got[0].sender == "second-look@school.example"
    assert wf.get(OutboxMail, mail.id).state == MailState.PENDING  # this session's copy
    wf.expire_all()
    assert wf.get(OutboxMail, mail.id).state == MailState.SENT


def test_an_account_without_an_address_gets_no_mail(wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "Trip [safeguarding] to the farm")
    assert "dora" not in " ".join(to for _, to in outbox(wf))


def test_mail_the_relay_cannot_take_is_tried_again_later_and_then_sent(
        wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "Sports day", author="carol")
    wf.commit()
    db = wf.get_bind()
    with smtp_server() as box:
        box.busy = True
        result = send_due(db=db, settings=mail_settings(box))
        assert (result.sent, result.retrying) == (0, 2) and box.received == []
        with Session(db) as s:
            rows = s.exec(select(OutboxMail)).all()
        assert {r.state for r in rows} == {MailState.PENDING}
        assert all(r.attempts == 1 and r.next_attempt_at > utcnow() + timedelta(seconds=50)
                   and "451" in r.last_error for r in rows)
        box.busy = False
        assert send_due(db=db, settings=mail_settings(box)).sent == 0  # not due yet
        later = utcnow() + timedelta(minutes=2)
        assert send_due(db=db, settings=mail_settings(box), now=later).sent == 2
        assert sorted(r for m in box.received for r in m.recipients) == [
            "bob@school.example", "helen@school.example"]


def test_a_relay_that_is_down_gives_up_after_the_last_attempt(wf, mailed, mengine) -> None:  # noqa: ANN001
    from tests.serve_support import free_port

    _submitted(wf, mailed, mengine, "Sports day", author="carol")
    wf.commit()
    db = wf.get_bind()
    down = MailSettings(host="127.0.0.1", port=free_port(), user=None, password=None,
                        starttls=False, sender="s@school.example", base_url="http://x",
                        timeout=2, max_attempts=2)
    assert send_due(db=db, settings=down).retrying == 2
    assert send_due(db=db, settings=down, now=utcnow() + timedelta(hours=2)).failed == 2
    with Session(db) as s:
        assert {r.state for r in s.exec(select(OutboxMail))} == {MailState.FAILED}


def test_an_address_the_relay_refuses_for_good_fails_at_once(wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "Sports day", author="carol")
    wf.commit()
    with smtp_server() as box:
        box.refuse.add("bob@school.example")
        result = send_due(db=wf.get_bind(), settings=mail_settings(box))
        assert (result.sent, result.failed) == (1, 1)
        assert [m.recipients for m in box.received] == [["helen@school.example"]]


def test_the_workflow_goes_on_when_the_mail_cannot_be_written(wf, mailed, mengine,
                                                               monkeypatch) -> None:  # noqa: ANN001
    from secondlook.mail import outbox as box

    def broken(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("composing failed")

    monkeypatch.setattr(box, "_draft_event", broken)
    view = _submitted(wf, mailed, mengine, "Sports day")
    assert view.draft.state == "submitted" and outbox(wf) == []


def test_without_a_relay_nothing_is_sent_and_the_mail_waits(wf, mailed, mengine) -> None:  # noqa: ANN001
    _submitted(wf, mailed, mengine, "Sports day", author="carol")
    wf.commit()
    off = MailSettings(host=None, port=25, user=None, password=None, starttls=False,
                       sender="s@x", base_url="http://x")
    assert send_due(db=wf.get_bind(), settings=off).sent == 0
    with Session(wf.get_bind()) as s:
        assert {r.state for r in s.exec(select(OutboxMail))} == {MailState.PENDING}


def test_the_digest_lists_what_waits_once_a_day(wf, mailed, mengine) -> None:  # noqa: ANN001
    from datetime import date

    from secondlook.mail.digest import write_digests

    _submitted(wf, mailed, mengine, "Sports day was great")
    wf.commit()
    before = len(outbox(wf))
    assert write_digests(session=wf, day=date(2026, 12, 3)) == 3  # bob, carol, helen
    assert write_digests(session=wf, day=date(2026, 12, 3)) == 0
    wf.commit()
    digest = wf.exec(select(OutboxMail).where(
        OutboxMail.event == "digest", OutboxMail.to_address == "bob@school.example")).one()
    assert "Approve: “Sports day was great”" in digest.body
    assert len(outbox(wf)) == before + 3


def test_user_add_takes_an_email_address(cli_env, monkeypatch, capsys) -> None:  # noqa: ANN001
    from secondlook.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough password")
    assert main(["init"]) == 0
    assert main(["user", "add", "jones", "--name", "Mrs Jones", "--role", "approver",
                 "--email", "jones@school.example"]) == 0
    assert "mail to jones@school.example" in capsys.readouterr().out
    assert main(["user", "add", "smith", "--name", "Mr Smith", "--email", "not an address"]) == 1
    assert "not an email address" in capsys.readouterr().err


def test_mail_digest_command_sends_to_a_local_relay(cli_env, monkeypatch, capsys) -> None:  # noqa: ANN001
    from secondlook.cli import main
    from secondlook.config import get_settings

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough password")
    assert main(["init"]) == 0
    assert main(["user", "add", "head", "--name", "Mrs Head", "--role", "headteacher",
                 "--email", "head@school.example"]) == 0
    with smtp_server() as box:
        for key, value in box.settings().items():
            monkeypatch.setenv(f"SECONDLOOK_{key.upper()}", str(value))
        get_settings.cache_clear()
        assert main(["mail", "digest"]) == 0
        out = capsys.readouterr().out
        assert "0 digest(s) queued" in out  # nothing waits for her: no mail
        assert box.received == []
    get_settings.cache_clear()
