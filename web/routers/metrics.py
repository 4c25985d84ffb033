"""``GET /metrics``: the Prometheus text exposition (``web.metrics``).

Who may read it: the figures name no learner, but they say how busy the school's posting
is and which channels fail, so they are not public.

- With ``SECONDLOOK_METRICS_TOKEN`` set, a scraper anywhere sends
  ``Authorization: Bearer <token>``.
- Without the token, only a scraper on the server itself: a connection from a loopback
  address that no proxy relayed (no ``X-Forwarded-For`` or ``Forwarded`` header). A
  reverse proxy on the same machine relays the public's requests from loopback too,
  which is why its forwarded header shuts them out.

Anyone else gets 403 saying how to read it.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from web.deps import DbDep, SettingsDep
from web.metrics import exposition

router = APIRouter(tags=["metrics"])
_RELAYED = ("x-forwarded-for", "forwarded")


def may_read(request: Request, token: str | None) -> bool:
    sent = request.headers.get("authorization", "")
    if token and sent.lower().startswith("bearer "):
        return hmac.compare_digest(sent[7:].strip().encode(), token.encode())
    if any(name in request.headers for name in _RELAYED) or request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


@router.get("/metrics", summary="Prometheus metrics (loopback, or the metrics token)",
            response_class=Response)
async def metrics(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    if not may_read(request, settings.metrics_token):
        raise HTTPException(status_code=403, detail=(
            "metrics are read from the server itself (loopback, not through a proxy), or "
            "with the bearer token set in SECONDLOOK_METRICS_TOKEN"))
    body = await run_in_threadpool(exposition, db)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
