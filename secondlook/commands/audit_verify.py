"""``secondlook audit verify``: check that no audit entry was edited or deleted, and that the
log still reaches the last head a verification or a backup recorded."""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expect-head", metavar="SHA256",
                        help="the head hash noted at an earlier verification; fails if the "
                             "log no longer contains it as an entry's hash")
    parser.add_argument("--accept-rollback", metavar="REASON",
                        help="the database was deliberately put back to an older state: "
                             "record that (with the reason) in the log and accept its head")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session, select

    from secondlook.audit_heads import remember, verify_and_record
    from secondlook.workflow.models import AuditEntry

    settings = get_settings()
    engine = open_database(settings)
    database = engine.url.render_as_string(hide_password=True)
    with Session(engine) as session:
        try:
            result = verify_and_record(session=session, home=settings.home, database=database,
                                       source="audit verify", record=False)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        known = args.expect_head is None or session.exec(select(AuditEntry.position).where(
            AuditEntry.entry_sha256 == args.expect_head)).first() is not None
        if not result.ok and args.accept_rollback:
            return _accept(session, settings, database, result, args.accept_rollback)
        if result.ok and known:
            remember(session=session, home=settings.home, database=database,
                     source="audit verify", result=result)
    for problem in result.problems:
        print(f"TAMPERED {problem}")
    if not known:
        print(f"TAMPERED the head {args.expect_head} noted earlier is no longer in the log: "
              "entries were rewritten")
    if result.problems or not known:
        print(f"audit log: {len(result.problems) + (not known)} problem(s) in "
              f"{result.entries} entries verified")
        return 1
    print(f"audit log intact: {result.entries} entries verified; head {result.head_sha256}")
    print("The head is recorded in the database and in "
          f"{settings.home / 'audit-heads.json'}; the next verification checks it.")
    return 0


def _accept(session, settings, database: str, result, reason: str) -> int:  # noqa: ANN001
    """Only a rollback (a shorter log whose chain is whole) can be accepted, never an edit."""
    from secondlook.audit_heads import remember
    from secondlook.workflow import audit

    if any(not p.problem.startswith("missing: the log ends at") for p in result.problems):
        print("\n".join(f"TAMPERED {p}" for p in result.problems))
        print("audit log: entries were edited or deleted inside the log; a rollback "
              "cannot be accepted")
        return 1
    audit.append(session=session, actor=None, action="audit.rollback_accepted", detail={
        "reason": reason, "position": result.entries,
        "note": "; ".join(str(p) for p in result.problems)[:2000]})
    session.commit()
    again = audit.verify(session=session)
    remember(session=session, home=settings.home, database=database,
             source="audit verify --accept-rollback", result=again)
    print(f"rollback accepted and recorded in the log: {again.entries} entries verified; "
          f"head {again.head_sha256}")
    return 0


COMMAND = Command(help="verify the hash chain of the audit log (exit 1 if tampered)",
                  configure=_configure, run=_run)
