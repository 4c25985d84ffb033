"""My account: change my password, create and revoke my API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondlook.accounts.passwords import PasswordRejected
from secondlook.accounts.sessions import create_session, end_all_sessions
from secondlook.accounts.tokens import create_token, list_tokens, revoke_token
from secondlook.accounts.users import authenticate, set_password
from web.deps import SESSION_COOKIE, CurrentUserDep, SessionDep
from web.security import cookie_secure
from web.templating import page

router = APIRouter(prefix="/account", tags=["account"])


def _render(request: Request, session: SessionDep, user: CurrentUserDep, status: int = 200,
            **extra: object) -> HTMLResponse:
    context = {"user": user, "tokens": list_tokens(session=session, user=user), "new_token": None,
               "error": None, "message": None, **extra}
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
    if authenticate(session=session, username=user.username, password=current) is None:
        return _render(request, session, user, 400, error="Your current password is not right.")
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


@router.post("/tokens", response_class=HTMLResponse, summary="Create an API token")
def new_token(
    request: Request, session: SessionDep, user: CurrentUserDep,
    name: Annotated[str, Form()] = "",
) -> HTMLResponse:
    _, plain = create_token(session=session, user=user, name=name)
    session.commit()
    return _render(request, session, user, new_token=plain)


@router.post("/tokens/{token_id}/revoke", summary="Revoke one of my API tokens")
def revoke(token_id: int, session: SessionDep, user: CurrentUserDep) -> Response:
    revoke_token(session=session, user=user, token_id=token_id)
    session.commit()
    return RedirectResponse("/account", status_code=303)
