"""Importing the register, for the CLI and the web alike.

Above ``consent_store``: besides the upsert (which also deletes biometric data
after a withdrawal, an objection or leaving), a consent change opens takedowns
for released posts and the import is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from consent_store.register_import import ImportResult, apply_register, parse_register
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
                    actor: User | None = None,
                    checker: Checker | None = None) -> RegisterImportOutcome:
    """Validate and apply a register file in the caller's transaction (all or nothing).

    With a checker, drafts in progress are re-checked against the new
    register at once; without one (the web, where that could take minutes), each
    is re-checked when someone next approves, signs off or releases it.
    """
    from secondlook.release.takedowns import open_takedowns
    from secondlook.workflow import audit

    result = apply_register(session, parse_register(text, name), prune=prune)
    takedowns = open_takedowns(session=session, changes=result.updated)
    audit.append(session=session, actor=actor, action="register.import", detail={
        "file": name, "created": len(result.created), "updated": len(result.updated),
        "unchanged": result.unchanged, "pruned": result.pruned,
        "biometrics_deleted": result.purged, "takedowns": len(takedowns),
    })
    rechecked: list[int] = []
    if checker is not None:
        from secondlook.workflow.recheck import recheck_pending

        session.flush()
        rechecked = recheck_pending(session=session, checker=checker)
    return RegisterImportOutcome(result=result, takedowns=len(takedowns),
                                 rechecked=tuple(rechecked))
