"""Importing the register and the staff list, for the CLI and the web alike.

Above ``consent_store``: besides the upsert (which also deletes biometric data
after a withdrawal, an objection or leaving), a consent change opens takedowns
for released posts, and every import is written to the audit log with its counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from consent_store.register_import import (
    Confirmations,
    ImportResult,
    apply_register,
    parse_register,
)
from secondlook.accounts.models import User
from secondlook.workflow.checking import Checker


@dataclass(frozen=True)
class RegisterImportOutcome:
    result: ImportResult
    takedowns: int  # released posts newly on the takedown list
    rechecked: tuple[int, ...] = ()  # drafts whose report changed with the register

    def summary(self) -> str:
        text = self.result.summary()
        if self.takedowns:
            text += (f"\n{self.takedowns} released post(s) showing these learners were added to "
                     "the takedown list in the headteacher's queue.")
        if self.rechecked:
            text += (f"\n{len(self.rechecked)} draft(s) in progress have new findings and need "
                     f"approving again: {', '.join(map(str, self.rechecked[:20]))}.")
        return text


def import_register(*, session: Session, text: str, name: str, prune: bool = False,
                    actor: User | None = None, checker: Checker | None = None,
                    confirm: Mapping[str, str] | None = None) -> RegisterImportOutcome:
    """Validate and apply a register file in the caller's transaction (all or nothing).

    ``confirm`` maps a UPN to the evidence that consent withdrawn in Second Look was given
    again (e.g. a new consent form's date); without it, a row that would give back a
    withdrawn consent keeps it withdrawn and is listed in ``result.held``.

    With a checker, drafts in progress are re-checked against the new
    register at once; without one (the web, where that could take minutes), each
    is re-checked when someone next approves, signs off or releases it.
    """
    from secondlook.release.takedowns import open_takedowns
    from secondlook.withdrawal import recorder

    confirmations = None if confirm is None else Confirmations(
        evidence=dict(confirm), by=recorder(actor), by_id=actor.id if actor else None)
    result = apply_register(session, parse_register(text, name), prune=prune,
                            confirm=confirmations, name=name)
    takedowns = open_takedowns(session=session, changes=result.updated, actor=actor)
    _audit(session, actor, name, result, len(takedowns))
    rechecked: list[int] = []
    if checker is not None:
        from secondlook.workflow.recheck import recheck_pending

        session.flush()
        rechecked = recheck_pending(session=session, checker=checker)
    return RegisterImportOutcome(result=result, takedowns=len(takedowns),
                                 rechecked=tuple(rechecked))


def _audit(session: Session, actor: User | None, name: str, result: ImportResult,
           takedowns: int) -> None:
    from secondlook.workflow import audit

    events = [audit.Event("register.import", detail={
        "file": name, "created": len(result.created), "updated": len(result.updated),
        "unchanged": result.unchanged, "pruned": result.pruned,
        "biometrics_deleted": result.purged, "takedowns": takedowns,
        "held": [h.upn for h in result.held], "confirmed": result.confirmed,
    })]
    events += [audit.Event("consent.confirm", detail={
        "upn": upn, "evidence": evidence, "changes": ["given back by the register import"]})
        for upn, evidence in sorted(result.confirmed.items())]
    events += [audit.Event("biometrics.delete", detail={
        "upn": upn, "reason": "register import: consent withdrawn, objection or left"})
        for upn in result.purged]
    audit.append_many(session=session, actor=actor, events=events)


def import_staff(*, session: Session, text: str, name: str, actor: User | None = None) -> int:
    """Replace the staff list from a CSV (title, first_name, last_name); returns the count."""
    from consent_store.staff_import import parse_staff, replace_staff
    from secondlook.workflow import audit

    count = replace_staff(session, parse_staff(text, name))
    audit.append(session=session, actor=actor, action="staff.import",
                 detail={"file": name, "count": count})
    return count
