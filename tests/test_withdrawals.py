"""A withdrawal recorded in Second Look is a fact: a register import may narrow consent but
never gives a withdrawn consent back unless an admin confirms it with evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from consent_store.db import make_engine, session_scope
from consent_store.models import Learner
from consent_store.register_import import RegisterImportError
from consent_store.withdrawals import ConsentWithdrawal
from secondlook.cli import main
from secondlook.register_service import import_register
from secondlook.withdrawal import Withdrawal, WithdrawalError, withdraw
from secondlook.workflow.models import AuditEntry
from tests.conftest import EXAMPLES
from tests.test_register_import import HEADER, ROW_A, ROW_B

JAYDEN = "B234567890123"  # all channels, full name, biometric yes in the example register
REGISTER = (EXAMPLES / "register.csv").read_text()


def _import(db, text: str = REGISTER, **kw):  # noqa: ANN001, ANN003, ANN202
    with session_scope(db) as s:
        return import_register(session=s, text=text, name="register.csv", **kw)


def _learner(db, upn: str = JAYDEN) -> Learner:  # noqa: ANN001
    with Session(db, expire_on_commit=False) as s:
        return s.get(Learner, upn)


def _withdraw(db, **kw) -> tuple[str, ...]:  # noqa: ANN001, ANN003
    kw.setdefault("reason", "parent phoned the office")
    with session_scope(db) as s:
        return withdraw(session=s, request=Withdrawal(upn=JAYDEN, **kw)).changed


def _actions(db) -> list[tuple[str, dict]]:  # noqa: ANN001
    with Session(db) as s:
        rows = s.exec(select(AuditEntry).order_by(AuditEntry.position)).all()
        return [(e.action, json.loads(e.detail)) for e in rows]


def test_reimporting_the_same_file_does_not_undo_a_withdrawal(db) -> None:
    """The bug: withdraw Facebook photos and the full name, re-import: "2 updated", all back."""
    _import(db)
    _withdraw(db, photo_channels=frozenset({"facebook"}), name="first")
    outcome = _import(db)
    jayden = _learner(db)
    assert jayden.photo_channels == "twitter;classdojo" and jayden.name_consent == "first"
    result = outcome.result
    assert (len(result.created), len(result.updated), result.unchanged) == (0, 0, 5)
    (held,) = result.held
    assert held.upn == JAYDEN and held.consents == ("photo:facebook", "name")
    summary = outcome.summary()
    assert "1 learner(s) have a consent withdrawal recorded in Second Look" in summary
    assert "photo consent for facebook (withdrawn " in summary
    assert "parent phoned the office" in summary


def test_an_import_still_narrows_a_learner_with_a_withdrawal(db) -> None:
    _import(db)
    _withdraw(db, photo_channels=frozenset({"facebook"}))
    narrower = REGISTER.replace(f"{JAYDEN},Jayden,Okafor,,,Year 6,all,full,yes",
                                f"{JAYDEN},Jayden,Okafor,,,Year 7,facebook;twitter,first,yes")
    _import(db, narrower)
    jayden = _learner(db)
    assert (jayden.photo_channels, jayden.name_consent, jayden.year_group) == \
        ("twitter", "first", "Year 7")


def test_confirming_with_evidence_gives_consent_back_and_keeps_the_record(db) -> None:
    _import(db)
    _withdraw(db, photo_channels=frozenset({"facebook", "twitter"}), name="none")
    only_facebook_back = REGISTER.replace(f"{JAYDEN},Jayden,Okafor,,,Year 6,all,full,yes",
                                          f"{JAYDEN},Jayden,Okafor,,,Year 6,facebook,first,yes")
    outcome = _import(db, only_facebook_back, confirm={JAYDEN: "consent form dated 2027-01-10"})
    assert outcome.result.confirmed == {JAYDEN: "consent form dated 2027-01-10"}
    jayden = _learner(db)
    # Facebook and the first name are given back; X stays withdrawn (the file does not ask).
    assert (jayden.photo_channels, jayden.name_consent) == ("facebook", "first")
    with Session(db) as s:
        rows = {w.consent: w for w in s.exec(select(ConsentWithdrawal))}
    assert rows["photo:facebook"].lift_evidence == "consent form dated 2027-01-10"
    assert rows["photo:facebook"].lifted_at is not None and rows["name"].lifted_at is not None
    assert rows["photo:twitter"].lifted_at is None
    confirmations = [d for a, d in _actions(db) if a == "consent.confirm"]
    assert confirmations[0]["upn"] == JAYDEN
    assert confirmations[0]["evidence"] == "consent form dated 2027-01-10"


def test_a_confirmation_that_confirms_nothing_refuses_the_file(db) -> None:
    _import(db)
    with pytest.raises(RegisterImportError, match="A123456789012: this file gives back no "
                                                  "consent that was withdrawn"):
        _import(db, confirm={"A123456789012": "form dated 2027-01-10"})


def test_name_consent_can_go_from_full_to_first_name_only(db) -> None:
    _import(db)
    changed = _withdraw(db, name="first")
    assert changed == ("name consent reduced to first name only",)
    assert _learner(db).name_consent == "first"
    assert _withdraw(db, name="none") == ("name consent withdrawn",)
    assert _learner(db).name_consent == "none"


def test_a_withdrawal_needs_a_reason_and_a_known_learner(db) -> None:
    _import(db)
    with pytest.raises(WithdrawalError, match="give the reason"):
        _withdraw(db, name="none", reason="  ")
    with pytest.raises(WithdrawalError, match="'first' or 'none'"):
        _withdraw(db, name="full")
    with session_scope(db) as s, pytest.raises(WithdrawalError, match="no learner"):
        withdraw(session=s, request=Withdrawal(upn="Z999999999999", name="none", reason="x"))


def test_biometric_withdrawal_survives_an_import_and_is_audited(db) -> None:
    _import(db)
    _withdraw(db, biometric=True)
    _import(db)
    assert _learner(db).biometric_consent is False
    actions = [a for a, _ in _actions(db)]
    assert "consent.withdraw" in actions and "biometrics.delete" in actions


# --- the command line -------------------------------------------------------------


def test_cli_withdraw_then_import_lists_the_learner_until_confirmed(cli_env, capsys) -> None:
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    assert main(["register", "withdraw", JAYDEN, "--channel", "facebook", "--name", "first",
                 "--reason", "mother emailed 20 Nov"]) == 0
    out = capsys.readouterr().out
    assert "photo consent withdrawn for facebook; name consent reduced to first name only" in out
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    out = capsys.readouterr().out
    assert "0 learner(s) added, 0 updated, 5 unchanged." in out
    assert f"{JAYDEN} Jayden Okafor: photo consent for facebook" in out
    assert f"--confirm {JAYDEN}=" in out
    db = make_engine(cli_env)
    assert _learner(db).photo_channels == "twitter;classdojo"
    assert main(["register", "import", str(EXAMPLES / "register.csv"),
                 "--confirm", f"{JAYDEN}=new consent form dated 2027-01-10"]) == 0
    assert "Consent given back, as confirmed with evidence, for 1 learner(s)" in \
        capsys.readouterr().out
    jayden = _learner(db)
    assert (jayden.photo_channels, jayden.name_consent) == ("facebook;twitter;classdojo", "full")


def test_cli_withdraw_errors(cli_env, capsys) -> None:
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as usage:
        main(["register", "withdraw", JAYDEN, "--name", "none"])  # no --reason
    assert usage.value.code == 2
    assert main(["register", "withdraw", JAYDEN, "--reason", "x"]) == 2
    assert main(["register", "withdraw", "Z999999999999", "--name", "none",
                 "--reason", "x"]) == 1
    err = capsys.readouterr().err
    assert "no learner with UPN Z999999999999" in err and "Traceback" not in err
    assert main(["register", "import", str(EXAMPLES / "register.csv"),
                 "--confirm", JAYDEN]) == 1
    assert "write UPN=EVIDENCE" in capsys.readouterr().err


# --- the web ----------------------------------------------------------------------


def test_web_withdrawal_records_the_reason_and_the_import_page_offers_confirmation(
        sqlite_db, blank_nlp) -> None:
    from tests.test_admin_register import _admin
    from tests.test_admin_register import _import as upload

    client, csrf = _admin(sqlite_db, blank_nlp)
    upload(client, csrf, REGISTER.encode())
    page = client.get(f"/admin/register/{JAYDEN}").text
    assert 'name="reason"' in page and 'value="first"' in page
    resp = client.post(f"/admin/register/{JAYDEN}/withdraw", data={
        "csrf_token": csrf, "photo": ["facebook"], "name": "first",
        "reason": "father called the office"})
    assert "name consent reduced to first name only" in resp.text
    assert "father called the office" in resp.text  # the withdrawals table
    again = upload(client, csrf, REGISTER.encode())
    assert "Consent withdrawn in Second Look: not given back" in again.text
    assert f'action="/admin/register/{JAYDEN}/confirm"' in again.text
    form = again.text.split(f'action="/admin/register/{JAYDEN}/confirm"')[1].split("</form>")[0]
    assert 'name="photo" value="facebook"' in form and 'name="name" value="full"' in form
    assert 'name="evidence" required' in form
    assert _learner(sqlite_db).photo_channels == "twitter;classdojo"
    refused = client.post(f"/admin/register/{JAYDEN}/confirm", data={
        "csrf_token": csrf, "photo": ["facebook"], "name": "full", "evidence": ""})
    assert refused.status_code == 400 and "give the evidence" in refused.text
    done = client.post(f"/admin/register/{JAYDEN}/confirm", data={
        "csrf_token": csrf, "photo": ["facebook"], "name": "full",
        "evidence": "new consent form dated 2027-01-10"})
    assert done.status_code == 200 and "photo consent given back for facebook" in done.text
    jayden = _learner(sqlite_db)
    assert (jayden.photo_channels, jayden.name_consent) == ("facebook;twitter;classdojo", "full")
    assert "given back" in done.text and "new consent form dated 2027-01-10" in done.text


def test_register_import_rows_in_a_file_of_its_own(db, tmp_path: Path) -> None:
    """The consent_store layer alone: rows held, then the same file with a confirmation."""
    from consent_store import withdrawals
    from consent_store.register_import import Confirmations, import_register_file
    from tests.test_register_import import write

    path = write(tmp_path, HEADER, ROW_A, ROW_B)
    with session_scope(db) as s:
        import_register_file(s, path)
        withdrawals.record(session=s, upn=JAYDEN, consent="biometric", reason="objection",
                           by="dpo", by_id=None)
        s.get(Learner, JAYDEN).biometric_consent = False
    with session_scope(db) as s:
        held = import_register_file(s, path).held
    assert [h.consents for h in held] == [("biometric",)]
    assert _learner(db).biometric_consent is False
    with session_scope(db) as s:
        from consent_store.register_import import apply_register, parse_register

        rows = parse_register(path.read_text(), str(path))
        confirm = Confirmations(evidence={JAYDEN: "signed form 2027-02-01"}, by="dpo")
        assert apply_register(s, rows, confirm=confirm).confirmed == {
            JAYDEN: "signed form 2027-02-01"}
    assert _learner(db).biometric_consent is True
