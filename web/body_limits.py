"""Request-body limits, applied before anything reads the body or checks who is asking.

Every body is cut at ``max_request_bytes`` (1 MiB: forms and JSON), except the upload
routes in ``UPLOADS``, which may carry photos up to ``image_max_bytes`` ×
``images_per_draft`` (base64 adds a third in JSON), or a register file. Those larger
limits are only granted to a request whose session cookie or API token is valid: an
anonymous body is cut at the small limit whatever the route, so nobody can make the
server read or spool megabytes before it answers 401.

A declared ``Content-Length`` over the limit is refused at once, without reading a byte;
a body streamed without one (chunked) is cut as soon as it passes the limit, by
Starlette's ``RequestBodyLimitMiddleware``. The number of files in one form is capped
separately, by FastAPI's form limits (see ``form_limits``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from secondlook.config import Settings

MiB = 1024 * 1024


def _photos(s: Settings) -> int:
    return s.image_max_bytes * s.images_per_draft + s.max_request_bytes


def _photos_base64(s: Settings) -> int:
    return -(-s.image_max_bytes * s.images_per_draft * 4 // 3) + s.max_request_bytes


def _register(s: Settings) -> int:
    return s.max_register_bytes + s.max_request_bytes


# (method, route path, limit): the routes that take more than a form or a small JSON body.
UPLOADS: list[tuple[str, str, Callable[[Settings], int]]] = [
    ("POST", "/drafts", _photos),
    ("POST", "/drafts/{draft_id}/edit", _photos),
    ("POST", "/admin/register/{upn}/enrol", _photos),
    ("POST", "/admin/register/import", _register),
    ("POST", "/api/drafts", _photos_base64),
    ("PATCH", "/api/drafts/{draft_id}", _photos_base64),
    ("POST", "/api/check", _photos_base64),
]
_COMPILED = [(method, compile_path(path)[0], limit) for method, path, limit in UPLOADS]


def form_limits(settings: Settings) -> dict[str, int]:
    """FastAPI's form limits for the whole app: no form carries more than twice the files
    of a draft. Up to that the draft routes refuse the extra photos by name, unread; past
    it the form parser stops. The byte limit above holds either way."""
    return {"max_files": 2 * settings.images_per_draft}


def route_limit(method: str, path: str, settings: Settings) -> int:
    for wanted, pattern, limit in _COMPILED:
        if wanted == method and pattern.match(path):
            return limit(settings)
    return settings.max_request_bytes


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value and re.fullmatch(r"\d{1,19}", value) else None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings,
                 signed_in: Callable[[Request], bool]) -> None:
        self.app = app
        self.settings = settings
        self.signed_in = signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        small = self.settings.max_request_bytes
        limit = route_limit(scope["method"], scope["path"], self.settings)
        declared = _declared_length(scope)
        if limit > small and (declared is None or declared > small):
            # Only now is it worth a database look-up: an upload, from someone signed in?
            if not await run_in_threadpool(self.signed_in, Request(scope)):
                limit = small
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return
        await RequestBodyLimitMiddleware(self.app, limit)(scope, receive, send)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    detail = (f"the request is larger than {limit / MiB:.0f} MiB"
              if limit >= MiB else f"the request is larger than {limit // 1024} KiB")
    if scope["path"].startswith("/api/"):
        body, kind = json.dumps({"detail": detail}).encode(), b"application/json"
    else:
        body, kind = f"{detail}: send a smaller one.".encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
