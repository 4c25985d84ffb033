"""Typed dependencies shared by the routers: database, settings, and who is asking.

Who is asking: an ``Authorization: Bearer`` API token if the request carries one (and then
only that: a cookie is ignored, so no CSRF token is needed), otherwise the session cookie.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from moderation.pipeline import Engine as ModerationEngine
from secondlook.accounts.models import Role, User
from secondlook.accounts.sessions import SignedIn, Timeouts, resolve_session
from secondlook.accounts.tokens import authenticate_token
from secondlook.config import Settings
from secondlook.jobs import JobQueue
from secondlook.workflow.checking import Checker

SESSION_COOKIE = "sl_session"


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> DbEngine:
    return request.app.state.db


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.db) as session:
        yield session


def get_moderation(request: Request) -> ModerationEngine:
    return request.app.state.moderation


def checker_of(state: Any) -> Checker:
    """What checking drafts needs, from the app's state: its moderation engine and data key."""
    return Checker(state.moderation, state.data_key)


def get_checker(request: Request) -> Checker:
    return checker_of(request.app.state)


def get_data_key(request: Request) -> bytes:
    return request.app.state.data_key


def get_zone(request: Request) -> ZoneInfo:
    """The school's time zone (``SECONDLOOK_TIMEZONE``): times are shown and typed in it."""
    return request.app.state.zone


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[DbEngine, Depends(get_db)]
SessionDep = Annotated[Session, Depends(get_session)]
ModerationDep = Annotated[ModerationEngine, Depends(get_moderation)]
CheckerDep = Annotated[Checker, Depends(get_checker)]


def get_jobs(request: Request) -> JobQueue:
    return request.app.state.jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]
DataKeyDep = Annotated[bytes, Depends(get_data_key)]
ZoneDep = Annotated[ZoneInfo, Depends(get_zone)]


def timeouts(settings: Settings) -> Timeouts:
    return Timeouts(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def identify(request: Request) -> tuple[User | None, SignedIn | None]:
    """(user, browser session) for this request, resolved once and kept on request.state."""
    if not hasattr(request.state, "identity"):
        request.state.identity = _identify(request)
    return request.state.identity


def _identify(request: Request) -> tuple[User | None, SignedIn | None]:
    with Session(request.app.state.db, expire_on_commit=False) as session:
        token = bearer_token(request)
        if token is not None:
            auth = authenticate_token(session=session, plain=token)
            if auth is None:
                return None, None
            request.state.token_scopes = auth.scopes  # checked by get_current_user
            return auth.user, None
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None, None
        signed_in = resolve_session(
            session=session, token=cookie, timeouts=timeouts(request.app.state.settings)
        )
        return (signed_in.user, signed_in) if signed_in else (None, None)


class NotSignedIn(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=401,
            detail="sign in first (or send an API token: Authorization: Bearer …)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def get_current_user(request: Request) -> User:
    from web.token_scopes import require_scope

    user, _ = identify(request)
    if user is None:
        raise NotSignedIn()
    scopes = getattr(request.state, "token_scopes", None)
    if scopes is not None:
        require_scope(request, scopes)
    return user


def get_signed_in(request: Request) -> SignedIn:
    """A person signed in through the browser: an API token does not do."""
    get_current_user(request)
    _, signed_in = identify(request)
    if signed_in is None:
        raise HTTPException(status_code=403, detail="sign in to Second Look in a browser "
                            "to do this; an API token cannot")
    return signed_in


def get_optional_user(request: Request) -> User | None:
    return identify(request)[0]


CurrentUserDep = Annotated[User, Depends(get_current_user)]
BrowserSessionDep = Annotated[SignedIn, Depends(get_signed_in)]
OptionalUserDep = Annotated[User | None, Depends(get_optional_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency: the signed-in user, who must hold at least one of ``roles``."""
    wanted = frozenset(roles)

    def dependency(user: CurrentUserDep) -> User:
        if not wanted & user.role_set():
            names = " or ".join("DSL (safeguarding lead)" if r == Role.DSL else r.value
                                for r in roles)
            raise HTTPException(status_code=403, detail=f"this needs the {names} role")
        return user

    return dependency


AdminDep = Annotated[User, Depends(require_role(Role.ADMIN))]
AuthorDep = Annotated[User, Depends(require_role(Role.AUTHOR))]
ApproverDep = Annotated[User, Depends(require_role(Role.APPROVER))]
# Sign-off and rejection: the headteacher, or the DSL for safeguarding findings.
SignerDep = Annotated[User, Depends(require_role(Role.HEADTEACHER, Role.DSL))]
ReviewerDep = Annotated[User, Depends(require_role(Role.APPROVER, Role.HEADTEACHER, Role.DSL))]
# Editing a draft: its author or a reviewer (the workflow decides which draft).
EditorDep = Annotated[
    User, Depends(require_role(Role.AUTHOR, Role.APPROVER, Role.HEADTEACHER, Role.DSL))
]
# Reading drafts: any staff role (the workflow decides which drafts).
StaffDep = Annotated[User, Depends(require_role(*Role))]
