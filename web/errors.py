"""Errors as people see them: pages get a readable page (or the login form), the API gets JSON.

Workflow refusals map to HTTP statuses in one place (``workflow_errors``), for
pages and API alike: each ``WorkflowError`` carries its status (404 not found,
403 forbidden, 409 conflict or wrong state, 422 unusable content: the request
was understood, but what it asks for cannot be done with this content).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from secondlook.workflow.errors import WorkflowError
from web.deps import identify
from web.templating import page

TITLES = {
    400: "That request was not understood",
    403: "You can't do that",
    404: "Not found",
    405: "Not allowed here",
    409: "Someone else changed this first",
    413: "That file is too large",
    422: "Please check the form",
}


@contextmanager
def workflow_errors(session: Session | None = None) -> Iterator[None]:
    """A refused workflow step becomes an HTTP error whose message says why (no traceback).

    The session, if given, is rolled back so that it can still be used afterwards.
    """
    try:
        yield
    except WorkflowError as exc:
        if session is not None:
            session.rollback()
        raise HTTPException(status_code=exc.status_code, detail=str(exc)) from exc


def wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not wants_page(request):
        return await http_exception_handler(request, exc)
    if exc.status_code == 401:
        return _to_login(request)
    await run_in_threadpool(identify, request)  # the page's CSRF token needs it; off the loop
    return page(request, "error.html",
                {"title": TITLES.get(exc.status_code, "Something went wrong"),
                 "detail": exc.detail}, exc.status_code)


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # A form post cannot be replayed after signing in: come back to the start page then.
    login = f"/login?next={quote(target if request.method == 'GET' else '/', safe='')}"
    if request.headers.get("hx-request"):
        # htmx swaps responses into the page; this header makes it load the login page.
        return Response(status_code=401, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, on_http_error)
