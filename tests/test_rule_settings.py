"""Per-school policy: a school's own severity (or a rule turned off) and policy section
for the packs' rules, over the trust's defaults, over the packs; consent and safeguarding
rules can be made stricter but never weaker; every change is in the audit log."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from consent_store.scope import use_school
from moderation.draft import Draft
from moderation.pipeline import check
from moderation.rule_settings import RuleSetting, RuleSettingError
from secondlook.accounts.models import User
from secondlook.rule_settings import set_rule
from secondlook.schools import add_school
from secondlook.workflow.models import AuditEntry
from tests.conftest import checker_for, snapshot

TEXT = "The visiting team were useless."


def _admin(db) -> User:  # noqa: ANN001
    with Session(db, expire_on_commit=False) as s:
        user = User(username="tessa", display_name="Tessa", roles="trust_admin")
        s.add(user)
        add_school(s, "Beech Primary")
        s.commit()
    return user


def _set(db, engine, school: int, rule: str, setting: RuleSetting, user: User,  # noqa: ANN001
         trust: bool = False) -> None:
    with use_school(school), Session(db) as s:
        set_rule(session=s, rules=engine.rules(), policy=engine.policy(), rule_id=rule,
                 setting=setting, user=user, trust=trust)
        s.commit()


def _insult(db, engine, school: int) -> tuple[str, list[tuple[str, str]]]:  # noqa: ANN001
    checker = checker_for(engine)
    with use_school(school), Session(db) as s:
        report = checker.for_school(s, check(Draft.create(TEXT, [], ("facebook",)),
                                             snapshot(), engine))
    return str(report.verdict), [(str(f.severity), f.policy) for f in report.findings
                                 if f.rule == "tone.insult"]


def test_a_school_inherits_the_trusts_default_and_can_set_its_own(sqlite_db, engine) -> None:
    user = _admin(sqlite_db)
    assert _insult(sqlite_db, engine, 1) == ("review", [("review", "3")])  # the pack's
    _set(sqlite_db, engine, 1, "tone.insult", RuleSetting("block"), user, trust=True)
    _set(sqlite_db, engine, 2, "tone.insult", RuleSetting("info", "6"), user)
    assert _insult(sqlite_db, engine, 1) == ("block", [("block", "3")])  # the trust's default
    assert _insult(sqlite_db, engine, 2) == ("pass", [("info", "6")])  # its own
    _set(sqlite_db, engine, 1, "tone.insult", RuleSetting("off"), user)
    assert _insult(sqlite_db, engine, 1) == ("pass", [])
    _set(sqlite_db, engine, 1, "tone.insult", RuleSetting(), user)  # cleared: the trust's again
    assert _insult(sqlite_db, engine, 1) == ("block", [("block", "3")])
    with use_school(2), Session(sqlite_db) as s:
        actions = s.exec(select(AuditEntry.action).order_by(col(AuditEntry.position))).all()
    assert list(actions) == ["policy.rule_set"]  # school 2's chain: its own change only


def test_consent_and_safeguarding_rules_are_never_weakened(sqlite_db, engine) -> None:
    user = _admin(sqlite_db)
    with pytest.raises(RuleSettingError, match="cannot be set below review or turned off: it "
                                               "enforces the consent register"):
        _set(sqlite_db, engine, 1, "cross.named-and-pictured", RuleSetting("off"), user)
    safeguarding = next(r for r in engine.rules() if "safeguarding" in r.tags)
    with pytest.raises(RuleSettingError, match="tell the designated safeguarding lead"):
        _set(sqlite_db, engine, 1, safeguarding.id, RuleSetting("info"), user)
    with pytest.raises(RuleSettingError, match="section '9' is not a section of the policy"):
        _set(sqlite_db, engine, 1, "tone.insult", RuleSetting("", "9"), user)
    with pytest.raises(LookupError, match="no rule 'tone.nope'"):
        _set(sqlite_db, engine, 1, "tone.nope", RuleSetting("block"), user)


def test_the_cli_sets_and_lists_a_schools_rules_and_check_follows(cli_env: str,  # noqa: ANN001
                                                                 capsys) -> None:  # noqa: ANN001
    from secondlook.cli import main

    assert main(["school", "add", "Beech Primary"]) == 0
    assert main(["rule", "set", "tone.insult", "--severity", "block", "--trust"]) == 0
    assert main(["rule", "set", "tone.insult", "--severity", "off", "--school", "2"]) == 0
    out = capsys.readouterr().out
    assert "tone.insult: this school's setting is now severity off." in out
    assert main(["check", "--text", TEXT]) == 4  # the first school: the trust's block
    assert main(["check", "--text", TEXT, "--school", "Beech Primary"]) == 0  # off there
    capsys.readouterr()
    assert main(["rule", "list", "--changed", "--school", "2"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:3] == ["tone.insult", "off", "(school)"]
    assert main(["rule", "set", "cross.named-and-pictured", "--severity", "info"]) == 2
    assert "enforces the consent register" in capsys.readouterr().err
