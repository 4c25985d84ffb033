"""Which school a request is for: chosen once, at the edge, from who is asking.

``SchoolScopeMiddleware`` identifies the person (the same lookup the routes use, kept on
``request.state``), picks the school — the one they switched to (the ``sl_school``
cookie, or an API client's ``X-School`` header) if they work there, otherwise the first
school they work at — and sets it for everything the request does
(``consent_store.scope``). Routes never filter by school themselves.

A person with a trust role may choose any school; someone who works at no school gets a
school that does not exist, and so sees nothing. With one school none of this shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from fastapi import Request
from sqlmodel import Session, select
from starlette.types import ASGIApp, Receive, Scope, Send

from consent_store.models import School
from consent_store.scope import FIRST_SCHOOL_ID, all_schools, reset_school, set_school
from secondlook.accounts.models import User

SCHOOL_COOKIE = "sl_school"
SCHOOL_HEADER = "x-school"
NO_SCHOOL = 0  # no row has it: a person with no roles anywhere reads nothing


@dataclass(frozen=True)
class SchoolChoice:
    current: int
    choices: tuple[School, ...]  # the schools this person may switch between


def schools_for(session: Session, user: User) -> tuple[School, ...]:
    with all_schools():
        rows = list(session.exec(select(School).order_by(School.id)))  # type: ignore[arg-type]
    allowed = user.all_roles().schools()
    return tuple(s for s in rows if allowed is None or s.id in allowed)


def choose_school(request: Request) -> SchoolChoice:
    from web.deps import identify

    user, _ = identify(request)
    if user is None:
        return SchoolChoice(FIRST_SCHOOL_ID, ())
    allowed = user.all_roles().schools()
    if allowed is not None and len(allowed) <= 1:
        # One school (every account of a single-school instance) or none: nothing to choose
        # and no switcher to fill, so no statement for it on every request.
        return SchoolChoice(next(iter(allowed), NO_SCHOOL), ())
    with Session(request.app.state.db) as session:
        choices = schools_for(session, user)
    wanted = request.headers.get(SCHOOL_HEADER) or request.cookies.get(SCHOOL_COOKIE) or ""
    ids = [s.id for s in choices]
    if wanted.isdigit() and int(wanted) in ids:
        current = int(wanted)
    else:
        current = ids[0] if ids else NO_SCHOOL  # type: ignore[assignment]
    return SchoolChoice(current, choices)


class SchoolScopeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        choice = await anyio.to_thread.run_sync(choose_school, request)
        request.state.school = choice
        token = set_school(choice.current)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_school(token)


def school_menu(request: Request) -> SchoolChoice | None:
    """The switcher's schools, or None when the person has only one (or none)."""
    choice = getattr(request.state, "school", None)
    return choice if choice is not None and len(choice.choices) > 1 else None
