"""Per-school policy: each school's settings of the packs' rules over the trust's defaults
(``moderation.rule_settings`` resolves and applies them; this module stores them).

``trust_rule_setting`` holds the trust's defaults (a global table: one trust per
instance); ``school_rule_setting`` each school's own, scoped like every school's rows, so
one school's settings never reach another's checks or pages. A single-school install has
no trust layer to think about: its admin's settings are simply the school's.

Every change is an audit entry. A draft already checked keeps its report until it is
edited or rechecked (``secondlook drafts recheck``); a release re-checks, so an approval
given under other settings is not released on them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from consent_store.models import school_field, utcnow
from moderation.rule_settings import InForce, RuleSetting, in_force, validate
from moderation.rulepack import Policy, Rule
from secondlook.accounts.models import User
from secondlook.workflow import audit


class TrustRuleSetting(SQLModel, table=True):
    """The trust's default for one rule, for every school that has not set its own."""

    __tablename__ = "trust_rule_setting"

    rule: str = Field(primary_key=True, max_length=100)
    severity: str = Field(default="", max_length=10)
    policy: str = Field(default="", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = None


class SchoolRuleSetting(SQLModel, table=True):
    """A school's own setting of one rule."""

    __tablename__ = "school_rule_setting"
    __table_args__ = (UniqueConstraint("school_id", "rule"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    rule: str = Field(max_length=100)
    severity: str = Field(default="", max_length=10)
    policy: str = Field(default="", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = None


def _layer(rows: object) -> dict[str, RuleSetting]:
    return {r.rule: RuleSetting(r.severity, r.policy) for r in rows}  # type: ignore[attr-defined]


def trust_settings(session: Session) -> dict[str, RuleSetting]:
    return _layer(session.exec(select(TrustRuleSetting)))


def school_settings(session: Session) -> dict[str, RuleSetting]:
    """The current school's own settings (the scoped session reads only its rows)."""
    return _layer(session.exec(select(SchoolRuleSetting)))


def rules_in_force(session: Session, rules: list[Rule]) -> dict[str, InForce]:
    """Every pack rule as it stands at the current school."""
    return in_force(rules, trust_settings(session), school_settings(session))


def said(setting: RuleSetting) -> str:
    if setting.empty:
        return "inherited"
    parts = [f"severity {setting.severity}" if setting.severity else "",
             f"section {setting.policy}" if setting.policy else ""]
    return ", ".join(p for p in parts if p)


def set_rule(*, session: Session, rules: list[Rule], policy: Policy, rule_id: str,
             setting: RuleSetting, user: User | None, trust: bool = False) -> None:
    """Set (or, with an empty setting, clear) one rule's setting for the current school,
    or the trust's default with ``trust``; refused with the reason when it cannot be."""
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        raise LookupError(f"there is no rule {rule_id!r} in the rule packs")
    validate(rule, setting, policy.sections)
    row: TrustRuleSetting | SchoolRuleSetting | None
    if trust:
        row = session.get(TrustRuleSetting, rule_id)
    else:
        row = session.exec(select(SchoolRuleSetting).where(
            SchoolRuleSetting.rule == rule_id)).first()
    before = RuleSetting(row.severity, row.policy) if row is not None else RuleSetting()
    if setting.empty:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = TrustRuleSetting(rule=rule_id) if trust else SchoolRuleSetting(rule=rule_id)
        row.severity, row.policy = setting.severity, setting.policy
        row.updated_at, row.updated_by_id = utcnow(), user.id if user else None
        session.add(row)
    audit.append(session=session, actor=user,
                 action="policy.trust_rule_set" if trust else "policy.rule_set",
                 detail={"rule": rule_id, "from": said(before), "to": said(setting)})
    session.flush()
