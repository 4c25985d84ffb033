"""Signing in and out, and the one-time page that creates the first admin."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.accounts.models import Role, UserCreate
from secondlook.accounts.passwords import PasswordRejected
from secondlook.accounts.sessions import create_session, end_session
from secondlook.accounts.setup import create_first_admin, setup_link_valid
from secondlook.accounts.throttle import LoginThrottle
from secondlook.accounts.users import AccountError, authenticate
from web.deps import SESSION_COOKIE, OptionalUserDep, SessionDep, SettingsDep
from web.security import cookie_secure
from web.templating import page

router = APIRouter(tags=["sign-in"])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _signed_in_response(request: Request, token: str, target: str, max_age: int) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
        secure=cookie_secure(request), path="/",
    )
    return response


@router.get("/login", response_class=HTMLResponse, summary="Sign-in form")
def login_form(request: Request, user: OptionalUserDep, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse, summary="Sign in")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    address = client_address(request)
    wait = throttle.attempt(username, address)  # charged now; cleared below if it succeeds
    if wait > 0:
        return page(request, "login.html", {"next": next, "error": too_many(wait),
                                            "username": username}, 429)
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        error = "That username and password do not match an active account."
        return page(request, "login.html", {"next": next, "error": error, "username": username},
                     400)
    throttle.succeeded(username, address)
    token = create_session(session=session, user=user)
    session.commit()
    return _signed_in_response(request, token, next, settings.session_absolute_hours * 3600)


def client_address(request: Request) -> str:
    """The peer's address, or a trusted proxy's X-Forwarded-For (see SECONDLOOK_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def too_many(wait: float) -> str:
    return ("Too many wrong passwords for this username from this computer. "
            f"Wait {math.ceil(wait)} seconds and try again.")


@router.post("/logout", summary="Sign out")
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session=session, token=token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/setup/{token}", response_class=HTMLResponse, summary="Create the first admin")
def setup_form(request: Request, token: str, session: SessionDep) -> Response:
    _check_setup_link(request, token, session)
    return page(request, "setup.html", {"token": token, "error": None, "form": {}})


@router.post("/setup/{token}", response_class=HTMLResponse, summary="Create the first admin")
def setup(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    _check_setup_link(request, token, session)
    form = {"username": username, "display_name": display_name}
    data = UserCreate(username=username, display_name=display_name, password=password,
                      roles=frozenset({Role.ADMIN}))
    try:
        if password != password_again:
            raise AccountError("the two passwords differ")
        user = create_first_admin(session=session, token=token, data=data)
    except (AccountError, PasswordRejected) as exc:
        session.rollback()  # the link is not used up by a refused form
        return page(request, "setup.html", {"token": token, "error": str(exc), "form": form}, 400)
    session_token = create_session(session=session, user=user)
    session.commit()
    return _signed_in_response(request, session_token, "/admin/users",
                               settings.session_absolute_hours * 3600)


def _check_setup_link(request: Request, token: str, session: SessionDep) -> None:
    if not setup_link_valid(session=session, token=token):
        raise HTTPException(
            status_code=404,
            detail="This set-up link has been used or has expired. Sign in instead; "
            "an admin can create your account.",
        )
