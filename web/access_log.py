"""The access log: one line per request naming the route, never the values in its path.

uvicorn's own access log writes the path and query as sent, and ours hold learners'
UPNs (``/admin/register/A123…``), register searches (``?q=Amelia``), image hashes and the
one-time setup token. Here a request is logged by the route it matched, with its
parameters as their names (``/admin/register/{upn}``); no query string, no client
address. A request answered before routing (a 404, a body refused as too large) is logged as
``(not routed)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("secondlook.access")


def route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope["path"].startswith("/static/"):
        return "/static/{path}"
    return "(not routed)"


class AccessLogMiddleware:
    """Also tells ``observe`` (method, route, status, seconds) of each request: the metrics."""

    def __init__(self, app: ASGIApp,
                 observe: Callable[[str, str, int, float], None] | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            seconds = time.perf_counter() - started
            route, method = route_label(scope), scope["method"]
            log.info("%s %s %d %.0fms", method, route, status, seconds * 1000,
                     extra={"method": method, "route": route, "status": status,
                            "duration_ms": round(seconds * 1000, 1)})
            if self.observe is not None:
                self.observe(method, route, status, seconds)
