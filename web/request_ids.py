"""Each request's id: in every log line written while it runs, and in the response's
``X-Request-ID`` header, so a person reporting a problem can quote it.

A reverse proxy that already gave the request an id (nginx's ``$request_id``) passes it in
``X-Request-ID``; that header is believed only from the proxies in
``SECONDLOOK_TRUSTED_PROXIES`` and only in a plain shape (letters, digits, ``.-_:``, at
most 100), so nobody else can write into the log or pose as another request. Otherwise
the id is made here.

This middleware is the outermost, so it sees the connection's own peer address before
the proxy-header middleware replaces it with the forwarded one.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlook.log_format import REQUEST_ID

HEADER = "x-request-id"
_PLAIN = re.compile(r"[A-Za-z0-9._:-]{1,100}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> list[Network]:
    """``SECONDLOOK_TRUSTED_PROXIES`` as networks (a single address is a /32 or /128)."""
    return [ipaddress.ip_network(p.strip(), strict=False)
            for p in setting.split(",") if p.strip()]


def peer_in(scope: Scope, networks: list[Network]) -> bool:
    client = scope.get("client")
    if not client or not networks:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in networks)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_proxies: str = "") -> None:
        self.app = app
        self.trusted = trusted_networks(trusted_proxies)

    def _id_for(self, scope: Scope) -> str:
        if peer_in(scope, self.trusted):
            for name, value in scope.get("headers", []):
                if name == HEADER.encode():
                    given = value.decode("latin-1")
                    if _PLAIN.fullmatch(given):
                        return given
        return uuid.uuid4().hex

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._id_for(scope)
        token = REQUEST_ID.set(request_id)

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            REQUEST_ID.reset(token)
