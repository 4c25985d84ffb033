"""The counts beside the menu's links: what waits for the signed-in person (their start
page's list) and, for those who act on them, the open takedowns. Read once per page from
the database the app serves, as counts (one number each, not the lists); the start page
passes on the length of the list it has just read. A failure shows no count rather than
no page."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlmodel import Session

from secondlook.accounts.models import User
from secondlook.mail.digest import TAKEDOWN_ROLES, open_takedowns_count
from secondlook.workflow.queues import my_work_count

log = logging.getLogger(__name__)
MENU_LIMIT = 99  # "99+" beyond: the start page has the whole list


def note_work_count(request: Request, todo: int) -> None:
    """The page already read the person's list (``todo`` of them): the menu counts that."""
    request.state.menu_work = min(todo, MENU_LIMIT + 1)


def menu_counts(request: Request, user: User | None) -> dict[str, int]:
    if user is None or not user.role_set():
        return {}
    cached = getattr(request.state, "menu_counts", None)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    try:
        with Session(request.app.state.db) as session:
            known = getattr(request.state, "menu_work", None)
            counts["work"] = known if known is not None else my_work_count(
                session=session, user=user, limit=MENU_LIMIT + 1)
            if user.role_set() & TAKEDOWN_ROLES:
                counts["takedowns"] = open_takedowns_count(session)
    except Exception:  # noqa: BLE001 - a count is a convenience; the page must still show
        log.exception("the menu's counts could not be read")
    request.state.menu_counts = counts
    return counts
