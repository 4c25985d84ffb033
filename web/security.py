"""CSRF protection and security headers.

CSRF: every POST/PUT/PATCH/DELETE made with a cookie must carry a token, in the
``X-CSRF-Token`` header (htmx sends it on every request, see base.html) or a ``csrf_token``
form field. For a signed-in browser the token is a random value kept in its server-side
session row (the synchronizer-token pattern, OWASP's first choice when sessions are
server-side). Before sign-in (the login and first-admin forms) it is an HMAC, under a key
kept in the database (so every server process accepts it), of a random pre-session
cookie: a signed double-submit token. Requests
authenticated by an API token carry no ambient credential and need no CSRF token.

Headers are set by a small ASGI middleware: a handful of constant headers is less code than
configuring a library for them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlook.accounts.server_secrets import PRE_SESSION_CSRF, shared_secret
from web.deps import bearer_token, identify

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PRE_SESSION_COOKIE = "sl_pre"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Forms posted before sign-in; every other anonymous request is refused by sign-in anyway.
PRE_SESSION_FORMS = frozenset({"/login", "/setup/{token}"})

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def cookie_secure(request: Request) -> bool:
    setting = request.app.state.settings.cookie_secure
    return request.url.scheme == "https" if setting is None else setting


def csrf_token(request: Request) -> str:
    """The token this request's pages must send back (templates call it as a global)."""
    _, signed_in = identify(request)
    if signed_in is not None:
        return signed_in.session.csrf_token
    pre = request.scope.get("state", {}).get("pre_session", "")
    return hmac.new(_pre_session_key(request), pre.encode(), hashlib.sha256).hexdigest()


def _pre_session_key(request: Request) -> bytes:
    """Read from the database once per process (it never changes once made)."""
    state = request.app.state
    if getattr(state, "csrf_key", None) is None:
        state.csrf_key = shared_secret(state.db, PRE_SESSION_CSRF)
    return state.csrf_key


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuse a state-changing cookie request without the right token."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    # identify() queries the database: never on the event loop, which would stall every
    # request while it waits for a connection.
    _, signed_in = await run_in_threadpool(identify, request)
    route = request.scope.get("route")
    if signed_in is None and getattr(route, "path", None) not in PRE_SESSION_FORMS:
        return  # no session to ride on: the route's own sign-in check answers 401
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), csrf_token(request).encode()):
        raise HTTPException(
            status_code=403,
            detail="this form is out of date or did not come from Second Look: "
            "reload the page and try again",
        )


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class SecurityHeadersMiddleware:
    """Adds the security headers to every response and the pre-session cookie when missing."""

    def __init__(self, app: ASGIApp, *, secure_cookie: bool | None = None) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie(scope, PRE_SESSION_COOKIE)
        pre = existing or secrets.token_urlsafe(24)
        scope.setdefault("state", {})["pre_session"] = pre
        secure = self.secure_cookie
        if secure is None:
            secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if secure:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if not scope["path"].startswith("/static/"):
                    # Pages name children: no browser or proxy cache may keep a copy.
                    headers.setdefault("cache-control", "no-store")
                if not existing:
                    headers.append("set-cookie", _cookie_header(pre, secure))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookie
                return None
            if name in jar:
                return jar[name].value
    return None


def _cookie_header(value: str, secure: bool) -> str:
    flags = "; Path=/; HttpOnly; SameSite=Strict"
    return f"{PRE_SESSION_COOKIE}={value}{flags}{'; Secure' if secure else ''}"
