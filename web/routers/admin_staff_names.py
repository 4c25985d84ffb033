"""Admin: the staff-name list, the people the checks never flag as unknown.

Everyone with a Second Look account counts as staff already; this list adds colleagues
who have no account (teaching assistants, the caretaker, the cook). Names are added one
at a time or by a CSV (title, first_name, last_name) that replaces the list, as
``secondlook staff import`` does (``register_service.import_staff``). Every change is in
the audit log.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from consent_store.register_import import RegisterImportError, decode_register
from consent_store.staff import (
    StaffNameError,
    add_staff,
    full_name,
    list_staff,
    remove_staff,
    staff_from_name,
)
from secondlook.accounts.models import User
from secondlook.accounts.users import list_users
from secondlook.register_service import import_staff
from secondlook.workflow import audit
from web.deps import AdminDep, SessionDep, SettingsDep
from web.templating import page

router = APIRouter(prefix="/admin/staff-names", tags=["admin"])


def _render(request: Request, session: Session, admin: User, status: int = 200,
            **extra: object) -> HTMLResponse:
    accounts = [(u, staff_from_name(u.display_name)) for u in list_users(session=session)]
    return page(request, "admin/staff_names.html", {
        "user": admin, "names": list_staff(session=session), "accounts": accounts,
        "done": request.query_params.get("done", ""), "error": None, "problems": None,
        "form": {}, **extra}, status)


@router.get("", response_class=HTMLResponse, summary="Staff names the checks never flag")
def staff_names_page(request: Request, session: SessionDep, admin: AdminDep) -> HTMLResponse:
    return _render(request, session, admin)


def _back(done: str) -> Response:
    return RedirectResponse(f"/admin/staff-names?done={quote(done)}", status_code=303)


@router.post("", response_class=HTMLResponse, summary="Add a staff name")
def add_name(request: Request, session: SessionDep, admin: AdminDep,
             title: Annotated[str, Form()] = "", first_name: Annotated[str, Form()] = "",
             last_name: Annotated[str, Form()] = "") -> Response:
    try:
        row = add_staff(session=session, title=title, first_name=first_name,
                        last_name=last_name)
    except StaffNameError as exc:
        session.rollback()
        return _render(request, session, admin, 422, error=f"Not added: {exc}.", form={
            "title": title, "first_name": first_name, "last_name": last_name})
    name = full_name(row.title, row.first_name, row.last_name)
    audit.append(session=session, actor=admin, action="staff.add", detail={"name": name})
    session.commit()
    return _back(f"{name} added: the checks will not flag this name.")


@router.post("/{staff_id}/remove", summary="Remove a staff name")
def remove_name(request: Request, staff_id: int, session: SessionDep,
                admin: AdminDep) -> Response:
    try:
        row = remove_staff(session=session, staff_id=staff_id)
    except StaffNameError as exc:
        session.rollback()
        return _render(request, session, admin, 404, error=str(exc).capitalize() + ".")
    name = full_name(row.title, row.first_name, row.last_name)
    audit.append(session=session, actor=admin, action="staff.remove", detail={"name": name})
    session.commit()
    return _back(f"{name} removed from the list.")


@router.post("/import", response_class=HTMLResponse, summary="Replace the list from a CSV")
def import_names(request: Request, session: SessionDep, admin: AdminDep,
                 settings: SettingsDep, file: Annotated[UploadFile, File()]) -> Response:
    name = file.filename or "the uploaded file"
    raw = file.file.read(settings.max_register_bytes + 1)
    try:
        if len(raw) > settings.max_register_bytes:
            raise RegisterImportError(name, ["the file is too large for a staff list"])
        count = import_staff(session=session, text=decode_register(raw, name), name=name,
                             actor=admin)
    except RegisterImportError as exc:
        session.rollback()
        return _render(request, session, admin, 400, problems=exc.problems, file_name=name)
    session.commit()
    return _back(f"{count} staff name(s) imported from {name}; they replace the old list.")
