"""The counts beside the menu's links: what waits for the signed-in person (their start
page's list) and, for those who act on them, the open takedowns. Read once per page from
the database the app serves; a failure shows no count rather than no page."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlmodel import Session

from secondlook.accounts.models import User
from secondlook.mail.digest import TAKEDOWN_ROLES, open_takedowns_count
from secondlook.workflow.queues import my_work

log = logging.getLogger(__name__)
MENU_LIMIT = 99  # "99+" beyond: the start page has the whole list


def menu_counts(request: Request, user: User | None) -> dict[str, int]:
    if user is None or not user.role_set():
        return {}
    cached = getattr(request.state, "menu_counts", None)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    try:
        with Session(request.app.state.db) as session:
            counts["work"] = len(my_work(session=session, user=user, limit=MENU_LIMIT + 1).todo)
            if user.role_set() & TAKEDOWN_ROLES:
                counts["takedowns"] = open_takedowns_count(session)
    except Exception:  # noqa: BLE001 - a count is a convenience; the page must still show
        log.exception("the menu's counts could not be read")
    request.state.menu_counts = counts
    return counts
