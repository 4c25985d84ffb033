"""My account: change my password, create and revoke my API tokens.

Both need the current password typed again (a borrowed or stolen browser session is not
enough), and both count against the login throttle like a sign-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.accounts.models import TokenScope, User
from secondlook.accounts.passwords import PasswordRejected
from secondlook.accounts.sessions import create_session, end_all_sessions
from secondlook.accounts.throttle import LoginThrottle
from secondlook.accounts.tokens import create_token, list_tokens, revoke_token
from secondlook.accounts.users import authenticate, set_password
from web.deps import (
    SESSION_COOKIE,
    BrowserSessionDep,
    CurrentUserDep,
    SessionDep,
    SettingsDep,
)
from web.routers.auth import client_address, too_many
from web.security import cookie_secure
from web.templating import page

router = APIRouter(prefix="/account", tags=["account"])


def _render(request: Request, session: SessionDep, user: CurrentUserDep, status: int = 200,
            **extra: object) -> HTMLResponse:
    context = {"user": user, "tokens": list_tokens(session=session, user=user), "new_token": None,
               "error": None, "message": None, "scopes": list(TokenScope), **extra}
    return page(request, "account/account.html", context, status)


@router.get("", response_class=HTMLResponse, summary="My account")
def account_page(request: Request, session: SessionDep, user: CurrentUserDep) -> HTMLResponse:
    return _render(request, session, user)


@router.post("/password", response_class=HTMLResponse, summary="Change my password")
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    new_again: Annotated[str, Form()] = "",
) -> Response:
    refused = _password_refused(request, session, user, current)
    if refused:
        return _render(request, session, user, 429 if "Wait" in refused else 400, error=refused)
    if new != new_again:
        return _render(request, session, user, 400, error="The two new passwords differ.")
    try:
        set_password(session=session, user=user, password=new, actor=user)
    except PasswordRejected as exc:
        return _render(request, session, user, 400, error=f"New password refused: {exc}.")
    # Every other browser signed in as this user is signed out; this one gets a new session.
    assert user.id is not None
    end_all_sessions(session=session, user_id=user.id)
    token = create_session(session=session, user=user)
    session.commit()
    response = RedirectResponse("/account?changed=1", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=cookie_secure(request), path="/")
    return response


def _password_refused(request: Request, session: SessionDep, user: User,
                      password: str) -> str | None:
    """Why the typed current password is not accepted, or None; throttled like a login."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = client_address(request)
    wait = throttle.attempt(user.username, address)
    if wait > 0:
        return too_many(wait)
    if authenticate(session=session, username=user.username, password=password) is None:
        return "Your current password is not right."
    throttle.succeeded(user.username, address)
    return None


@router.post("/tokens", response_class=HTMLResponse, summary="Create an API token")
def new_token(
    request: Request, session: SessionDep, settings: SettingsDep, signed_in: BrowserSessionDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    user = signed_in.user
    try:
        wanted = {TokenScope(s) for s in scopes or []}
    except ValueError:
        return _render(request, session, user, 422, error="Unknown scope: choose read, draft "
                       "or approve.")
    refused = _password_refused(request, session, user, password)
    if refused:
        return _render(request, session, user, 429 if "Wait" in refused else 400,
                       error=f"No token made. {refused}")
    _, plain = create_token(session=session, user=user, name=name, scopes=wanted,
                            lifetime=timedelta(days=settings.api_token_days))
    session.commit()
    return _render(request, session, user, new_token=plain)


@router.post("/tokens/{token_id}/revoke", summary="Revoke one of my API tokens")
def revoke(token_id: int, session: SessionDep, user: CurrentUserDep) -> Response:
    revoke_token(session=session, user=user, token_id=token_id)
    session.commit()
    return RedirectResponse("/account", status_code=303)
