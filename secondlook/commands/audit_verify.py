"""``secondlook audit verify``: check that no audit entry was edited or deleted, and that the
log still reaches the last head a verification or a backup recorded.

Without ``--school`` the trust-wide chain is walked whole, then each school's own chain (a
line per school). ``--school NAME`` walks only that school's chain: what a school's data
protection officer runs, reading no other school's entries.
"""

from __future__ import annotations

import argparse

from secondlook.commands import Command, CommandError, UsageError, open_database
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--school", metavar="SCHOOL",
                        help="verify only this school's own chain (its name or number)")
    parser.add_argument("--expect-head", metavar="SHA256",
                        help="the head hash noted at an earlier verification; fails if the "
                             "log no longer contains it as an entry's hash")
    parser.add_argument("--accept-rollback", metavar="REASON",
                        help="the database was deliberately put back to an older state: "
                             "record that (with the reason) in the log and accept its head")


def _run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from secondlook.schools import find_school, list_schools

    settings = get_settings()
    engine = open_database(settings)
    with Session(engine) as session:
        if args.school is None:
            schools = [(s.id, s.name) for s in list_schools(session) if s.id is not None]
            return _whole(session, settings, engine, args, schools)
        school = find_school(session, args.school)
        if school is None or school.id is None:
            raise UsageError(f"--school {args.school!r}: no school has that name or number "
                             "(`secondlook school list` shows them)")
        if args.accept_rollback:
            raise UsageError("--accept-rollback acts on the whole log: run it without --school")
        return _one_school(session, settings, engine, args, school.id, school.name)


def _database(engine) -> str:  # noqa: ANN001
    return str(engine.url.render_as_string(hide_password=True))


def _known(session, head: str | None, school_id: int | None = None) -> bool:  # noqa: ANN001
    from sqlmodel import select

    from consent_store.scope import all_schools
    from secondlook.workflow.models import AuditEntry

    if head is None:
        return True
    query = select(AuditEntry.position).where(AuditEntry.entry_sha256 == head)
    if school_id is not None:
        query = query.where(AuditEntry.school_id == school_id)
    with all_schools():
        return session.exec(query).first() is not None


def _whole(session, settings, engine, args: argparse.Namespace,  # noqa: ANN001
           schools: list[tuple[int, str]]) -> int:
    from secondlook.audit_heads import remember, verify_and_record

    database = _database(engine)
    try:
        result = verify_and_record(session=session, home=settings.home, database=database,
                                   source="audit verify", record=False)
        per_school = [(name, verify_and_record(session=session, home=settings.home,
                                               database=database, source="audit verify",
                                               record=False, school_id=school_id))
                      for school_id, name in schools]
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    known = _known(session, args.expect_head)
    if not result.ok and args.accept_rollback:
        return _accept(session, settings, database, result, args.accept_rollback, schools)
    if result.ok and known:
        remember(session=session, home=settings.home, database=database,
                 source="audit verify", result=result)
    for _, school_result in per_school:
        if school_result.ok and result.ok:
            remember(session=session, home=settings.home, database=database,
                     source="audit verify", result=school_result)
    for problem in result.problems:
        print(f"TAMPERED {problem}")
    if not known:
        print(f"TAMPERED the head {args.expect_head} noted earlier is no longer in the log: "
              "entries were rewritten")
    failed = bool(result.problems) or not known
    if failed:
        print(f"audit log: {len(result.problems) + (not known)} problem(s) in "
              f"{result.entries} entries verified")
    else:
        print(f"audit log intact: {result.entries} entries verified; head {result.head_sha256}")
    for name, school_result in per_school:
        print(_school_line(name, school_result))
        failed = failed or not school_result.ok
    if not failed:
        print("The heads are recorded in the database and in "
              f"{settings.home / 'audit-heads.json'}; the next verification checks them.")
    return 1 if failed else 0


def _school_line(name: str, result) -> str:  # noqa: ANN001
    earlier = (f" (and {result.unchained} from before school chains, in the trust-wide chain)"
               if result.unchained else "")
    if result.ok:
        return (f"school {name}: its own chain intact: {result.entries} entries verified"
                f"{earlier}; head {result.head_sha256}")
    problems = "; ".join(str(p) for p in result.problems)
    return f"school {name}: its own chain is broken, {len(result.problems)} problem(s): {problems}"


def _one_school(session, settings, engine, args: argparse.Namespace,  # noqa: ANN001
                school_id: int, name: str) -> int:
    from secondlook.audit_heads import remember, verify_and_record

    database = _database(engine)
    try:
        result = verify_and_record(session=session, home=settings.home, database=database,
                                   source="audit verify --school", record=False,
                                   school_id=school_id)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    known = _known(session, args.expect_head, school_id)
    if result.ok and known:
        remember(session=session, home=settings.home, database=database,
                 source="audit verify --school", result=result)
    for problem in result.problems:
        print(f"TAMPERED school {name}: {problem}")
    if not known:
        print(f"TAMPERED the head {args.expect_head} noted earlier is no longer in "
              f"{name}'s log: entries were rewritten")
    if result.problems or not known:
        print(f"audit log of {name}: {len(result.problems) + (not known)} problem(s) in "
              f"{result.entries} entries verified")
        return 1
    earlier = (f"; {result.unchained} earlier entries are in the trust-wide chain "
               "(`secondlook audit verify` walks it)" if result.unchained else "")
    print(f"audit log of {name} intact: {result.entries} entries verified; head "
          f"{result.head_sha256}{earlier}")
    return 0


def _accept(session, settings, database: str, result, reason: str,  # noqa: ANN001
            schools: list[tuple[int, str]]) -> int:
    """Only a rollback (a shorter log whose chain is whole) can be accepted, never an edit.
    Each school's chain, whole in the database, has its head recorded afresh too."""
    from secondlook.audit_heads import remember, remember_school_heads
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
    names = dict(schools)
    for school_id, own in remember_school_heads(session=session, home=settings.home,
                                                database=database,
                                                source="audit verify --accept-rollback"):
        print(_school_line(names.get(school_id, str(school_id)), own))
    print(f"rollback accepted and recorded in the log: {again.entries} entries verified; "
          f"head {again.head_sha256}")
    return 0


COMMAND = Command(help="verify the hash chain of the audit log (exit 1 if tampered)",
                  configure=_configure, run=_run)
