"""A register import shows what it will change (added, updated, consents narrowed or
widened, withdrawals it would undo, learners missing) and applies it only when the admin
confirms, exactly as previewed."""

from __future__ import annotations

from sqlmodel import Session

from consent_store.models import Learner
from secondlook.accounts.models import Role
from tests.conftest import EXAMPLES
from tests.web_support import add_user, confirm_previewed, make_app, signed_in

REGISTER = (EXAMPLES / "register.csv").read_text()


def _next_term() -> str:
    """Amelia's photos also on Facebook (widened), Jayden's name first only (narrowed), Zoë
    moves to Year 5 (updated), Noah is not in the file (missing), Lily is new (added)."""
    lines = REGISTER.splitlines()
    out = []
    for line in lines:
        if line.startswith("A123456789012"):
            line = line.replace(",classdojo,first,", ",facebook;classdojo,first,")
        elif line.startswith("B234567890123"):
            line = line.replace(",all,full,", ",all,first,")
        elif line.startswith("C345678901234"):
            line = line.replace(",Year 4,", ",Year 5,")
        elif line.startswith("D456789012345"):
            continue
        out.append(line)
    out.append("F678901234567,Lily,Evans,,,Reception,all,full,no,,,2027-07-31")
    return "\n".join(out) + "\n"


def _admin(db, nlp):  # noqa: ANN001, ANN202
    client, csrf = signed_in(make_app(db, nlp), db, add_user(db, "dpo", Role.ADMIN))
    return client, csrf


def _upload(client, csrf: str, text: str):  # noqa: ANN001, ANN202
    return client.post("/admin/register/import", data={"csrf_token": csrf},
                       files={"file": ("spring.csv", text.encode(), "text/csv")})


def _learner(db, upn: str) -> Learner | None:  # noqa: ANN001
    with Session(db) as s:
        return s.get(Learner, upn)


def test_the_preview_lists_every_change_and_changes_nothing(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    confirm_previewed(client, csrf, _upload(client, csrf, REGISTER).text)
    page = _upload(client, csrf, _next_term())
    assert page.status_code == 200
    html = page.text
    assert "Nothing has been changed yet" in html
    assert "<strong>1</strong> learner(s) added" in html
    assert "<strong>3</strong> updated" in html
    assert "<strong>1</strong> with consent narrowed" in html
    assert "<strong>1</strong> with consent widened" in html
    assert "<strong>1</strong> in the register but missing from the file" in html
    assert "Lily Evans" in html
    assert "photos now also on Facebook" in html  # Amelia, widened
    assert "name: full name → first name only" in html  # Jayden, narrowed
    assert "year group" in html and "Noah Clarke" in html
    # Nothing was written: Lily is not there, Amelia still only on Class Dojo.
    assert _learner(sqlite_db, "F678901234567") is None
    assert _learner(sqlite_db, "A123456789012").photo_channels == "classdojo"

    done = confirm_previewed(client, csrf, html)
    assert done.status_code == 200 and "Register imported." in done.text
    assert _learner(sqlite_db, "F678901234567").first_name == "Lily"
    assert _learner(sqlite_db, "B234567890123").name_consent == "first"


def test_a_withdrawal_the_file_would_undo_is_listed_as_needing_confirmation(
        sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    confirm_previewed(client, csrf, _upload(client, csrf, REGISTER).text)
    client.post("/admin/register/B234567890123/withdraw", data={
        "csrf_token": csrf, "photo": "facebook", "reason": "parent phoned the office"})
    html = _upload(client, csrf, REGISTER).text
    assert "Withdrawn in Second Look: needs your confirmation" in html
    assert "Jayden Okafor" in html and "parent phoned the office" in html


def test_confirming_after_the_register_changed_applies_nothing_and_shows_the_new_preview(
        sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    confirm_previewed(client, csrf, _upload(client, csrf, REGISTER).text)
    stale = _upload(client, csrf, _next_term()).text
    # Meanwhile someone withdraws Amelia's Class Dojo photo consent.
    client.post("/admin/register/A123456789012/withdraw", data={
        "csrf_token": csrf, "photo": "classdojo", "reason": "parent emailed"})
    resp = confirm_previewed(client, csrf, stale)
    assert resp.status_code == 409
    assert "The register changed since you looked at the preview: nothing was imported" \
        in resp.text
    assert _learner(sqlite_db, "F678901234567") is None  # Lily was not added
    assert "Withdrawn in Second Look: needs your confirmation" in resp.text
    assert confirm_previewed(client, csrf, resp.text).status_code == 200  # the new one
    assert _learner(sqlite_db, "F678901234567") is not None


def test_a_preview_is_confirmed_only_by_its_admin_and_only_once(sqlite_db, blank_nlp) -> None:
    client, csrf = _admin(sqlite_db, blank_nlp)
    html = _upload(client, csrf, REGISTER).text
    app = client.app
    other, other_csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "dpo2", Role.ADMIN))
    assert confirm_previewed(other, other_csrf, html).status_code == 409
    assert _learner(sqlite_db, "A123456789012") is None
    assert confirm_previewed(client, csrf, html).status_code == 200
    assert confirm_previewed(client, csrf, html).status_code == 409  # used up


def test_dry_run_prints_the_changes_and_expect_sha256_guards_the_file(
        cli_env, tmp_path, capsys) -> None:  # noqa: ANN001
    from secondlook.cli import main

    assert main(["init"]) == 0
    first = tmp_path / "autumn.csv"
    first.write_text(REGISTER)
    assert main(["register", "import", str(first)]) == 0
    capsys.readouterr()
    spring = tmp_path / "spring.csv"
    spring.write_text(_next_term())
    assert main(["register", "import", str(spring), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "nothing was changed" in out
    assert "1 to add, 3 to update" in out and "1 narrowed, 1 widened" in out
    assert "F678901234567 Lily Evans" in out
    assert "B234567890123 Jayden Okafor: name: full name → first name only" in out
    assert "D456789012345 Noah Clarke" in out
    sha = out.rsplit("--expect-sha256 ", 1)[1].split()[0]
    from consent_store.db import make_engine
    assert _learner(make_engine(cli_env), "F678901234567") is None

    spring.write_text(_next_term().replace("Lily", "Lilly"))
    assert main(["register", "import", str(spring), "--expect-sha256", sha]) == 1
    assert "changed since it was previewed" in capsys.readouterr().err
    spring.write_text(_next_term())
    assert main(["register", "import", str(spring), "--expect-sha256", sha]) == 0
    assert _learner(make_engine(cli_env), "F678901234567") is not None
