"""Admin: staff accounts and their roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.accounts.models import Role, User, UserCreate
from secondlook.accounts.passwords import PasswordRejected
from secondlook.accounts.sessions import end_all_sessions
from secondlook.accounts.users import (
    AccountError,
    create_user,
    get_user,
    list_users,
    set_active,
    set_email,
    set_password,
    set_roles,
)
from web.deps import AdminDep, SessionDep
from web.templating import page

router = APIRouter(prefix="/admin/users", tags=["admin"])

ROLE_HELP = {
    Role.AUTHOR: "writes posts",
    Role.APPROVER: "approves colleagues' posts",
    Role.HEADTEACHER: "signs off flagged posts",
    Role.DSL: "designated safeguarding lead: signs off safeguarding findings",
    Role.ADMIN: "manages accounts, the register and the channels",
}


def _render(request: Request, session: SessionDep, admin: User, status: int = 200,
            **extra: object) -> HTMLResponse:
    context = {"user": admin, "users": list_users(session=session), "roles": ROLE_HELP,
               "error": None, "form": {}, "added": None, "changed": None, **extra}
    return page(request, "admin/users.html", context, status)


def _roles(values: list[str]) -> set[Role]:
    try:
        return {Role(v) for v in values}
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"unknown role: {exc}") from exc


def _named(session: SessionDep, raw: str | None) -> User | None:
    return get_user(session=session, user_id=int(raw)) if raw and raw.isdigit() else None


@router.get("", response_class=HTMLResponse, summary="Staff accounts")
def users_page(request: Request, session: SessionDep, admin: AdminDep) -> HTMLResponse:
    query = request.query_params
    return _render(request, session, admin, added=_named(session, query.get("added")),
                   changed=_named(session, query.get("changed")))


@router.post("", response_class=HTMLResponse, summary="Create a staff account")
def add_user(
    request: Request, session: SessionDep, admin: AdminDep,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    email: Annotated[str, Form()] = "",
) -> Response:
    data = UserCreate(username=username, display_name=display_name, password=password,
                      roles=frozenset(_roles(roles or [])), email=email)
    try:
        created = create_user(session=session, data=data, actor=admin)
    except (AccountError, PasswordRejected) as exc:
        session.rollback()
        form = {"username": username, "display_name": display_name, "roles": roles or [],
                "email": email}
        return _render(request, session, admin, 400, error=f"Not created: {exc}.", form=form)
    session.commit()
    return RedirectResponse(f"/admin/users?added={created.id}", status_code=303)


@router.post("/{user_id}", response_class=HTMLResponse, summary="Change roles or access")
def edit_user(
    request: Request, user_id: int, session: SessionDep, admin: AdminDep,
    roles: Annotated[list[str] | None, Form()] = None,
    active: Annotated[bool, Form()] = False,
    new_password: Annotated[str, Form()] = "",
    email: Annotated[str | None, Form()] = None,
) -> Response:
    target = get_user(session=session, user_id=user_id)
    if target is None:
        raise HTTPException(status_code=404, detail=f"there is no user with id {user_id}")
    try:
        set_roles(session=session, user=target, roles=_roles(roles or []), actor=admin)
        set_active(session=session, user=target, active=active, actor=admin)
        if email is not None:  # a form without the field leaves the address alone
            set_email(session=session, user=target, email=email, actor=admin)
        if new_password:
            set_password(session=session, user=target, password=new_password, actor=admin)
    except (AccountError, PasswordRejected) as exc:
        session.rollback()
        return _render(request, session, admin, 400,
                       error=f"{target.display_name} not changed: {exc}.")
    if new_password or not active:
        assert target.id is not None
        end_all_sessions(session=session, user_id=target.id)
    session.commit()
    return RedirectResponse(f"/admin/users?changed={user_id}", status_code=303)
