"""Switching school (people who work at several), and the trust's list of schools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from secondlook.accounts.models import TrustRole, User
from secondlook.schools import SchoolError, add_school, list_schools
from web.deps import CurrentUserDep, SessionDep
from web.schools import SCHOOL_COOKIE
from web.security import cookie_secure
from web.templating import page

router = APIRouter(tags=["schools"])


def _trust_admin(user: CurrentUserDep) -> User:
    if TrustRole.TRUST_ADMIN not in user.trust_roles():
        raise HTTPException(status_code=403, detail="this needs the trust admin role")
    return user


TrustAdminDep = Annotated[User, Depends(_trust_admin)]


@router.post("/school", include_in_schema=False)
def switch_school(request: Request, user: CurrentUserDep,
                  school_id: Annotated[int, Form()]) -> RedirectResponse:
    choice = request.state.school
    if school_id != choice.current and school_id not in {s.id for s in choice.choices}:
        raise HTTPException(status_code=403, detail="you do not work at that school")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SCHOOL_COOKIE, str(school_id), httponly=True, samesite="lax",
                        secure=cookie_secure(request))
    return response


@router.get("/admin/schools", response_class=HTMLResponse, include_in_schema=False)
def schools_page(request: Request, user: TrustAdminDep, session: SessionDep,
                 error: str = "") -> HTMLResponse:
    return page(request, "admin/schools.html",
                {"user": user, "schools": list_schools(session), "error": error})


@router.post("/admin/schools", response_class=HTMLResponse, include_in_schema=False)
def schools_add(request: Request, user: TrustAdminDep, session: SessionDep,
                name: Annotated[str, Form()] = "") -> HTMLResponse:
    try:
        add_school(session, name)
    except SchoolError as exc:
        return page(request, "admin/schools.html",
                    {"user": user, "schools": list_schools(session), "error": str(exc)}, 422)
    session.commit()
    return page(request, "admin/schools.html",
                {"user": user, "schools": list_schools(session), "error": ""})
