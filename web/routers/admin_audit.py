"""Admin: the whole audit log in words, and its verification (as ``secondlook audit
verify`` does it), before the annual policy review or whenever in doubt."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from consent_store.scope import current_school_id
from secondlook.accounts.models import TrustRole, User
from secondlook.schools import list_schools
from secondlook.workflow import audit
from secondlook.workflow.models import AuditEntry
from web.deps import AdminDep, SessionDep
from web.history import describe
from web.templating import page

router = APIRouter(prefix="/admin/audit", tags=["admin"])
PAGE_SIZE = 100


def _names(session: Session) -> dict[int, str]:
    return {u.id: u.display_name for u in session.exec(select(User)) if u.id is not None}


def _entries(session: Session, before: int | None, draft: int | None) -> list[AuditEntry]:
    query = select(AuditEntry)
    if before is not None:
        query = query.where(col(AuditEntry.position) < before)
    if draft is not None:
        query = query.where(col(AuditEntry.draft_id) == draft)
    return list(session.exec(query.order_by(col(AuditEntry.position).desc()).limit(PAGE_SIZE)))


def _render(request: Request, session: Session, admin: User, before: int | None,
            draft: int | None, **extra: object) -> HTMLResponse:
    entries = _entries(session, before, draft)
    names = _names(session)
    older = entries[-1].position if len(entries) == PAGE_SIZE else None
    return page(request, "admin/audit.html", {
        "user": admin, "lines": [describe(e, names) for e in entries], "older": older,
        "draft": draft, "result": None, "schools": None, **extra})


@router.get("", response_class=HTMLResponse, summary="The audit log, newest first")
def audit_log_page(request: Request, session: SessionDep, admin: AdminDep,
                   before: int | None = None, draft: int | None = None) -> HTMLResponse:
    return _render(request, session, admin, before, draft)


@router.get("/verify", response_class=HTMLResponse, summary="Verify the audit log's chain")
def verify_page(request: Request, session: SessionDep, admin: AdminDep) -> HTMLResponse:
    """This school's own chain; for a trust admin also every school's and the trust-wide
    chain (a school's admin never learns how many entries another school has)."""
    school_id = current_school_id()
    result = audit.verify_school(session=session, school_id=school_id)
    every = list_schools(session)
    name = next((s.name for s in every if s.id == school_id), str(school_id))
    schools = None
    if TrustRole.TRUST_ADMIN in admin.trust_roles():
        schools = [(s.name, audit.verify_school(session=session, school_id=s.id))
                   for s in every if s.id is not None]
        schools.append(("The whole trust (every entry, one chain)",
                        audit.verify(session=session)))
    return _render(request, session, admin, None, None, result=result, schools=schools,
                   school_name=name)
