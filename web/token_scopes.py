"""Which scope an API token needs for each route (``TokenScope``: read, draft, approve).

Reading (GET) needs ``read``, which every token has. The writes a script may make are
listed here; every other write (account, admin and page forms) is refused to tokens,
whatever their scopes: those need a person signed in, with a CSRF token.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from secondlook.accounts.models import TokenScope

SAFE_METHODS = frozenset({"GET", "HEAD"})
WRITES: dict[tuple[str, str], TokenScope] = {
    ("POST", "/api/check"): TokenScope.DRAFT,
    ("POST", "/api/drafts"): TokenScope.DRAFT,
    ("PATCH", "/api/drafts/{draft_id}"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/fix/blur"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/fix/drop-channel"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/recheck"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/submit"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/faces/blur"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/faces/not-learner"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/faces/undo"): TokenScope.DRAFT,
    ("POST", "/api/drafts/{draft_id}/faces/identify"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/approve"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/signoff"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/return"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/reject"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/release"): TokenScope.APPROVE,
    ("POST", "/api/drafts/{draft_id}/release/{channel}/link"): TokenScope.APPROVE,
}


def needed_scope(method: str, route_path: str) -> TokenScope | None:
    """The scope this request needs, or None: no API token may make it."""
    if method in SAFE_METHODS:
        return TokenScope.READ
    return WRITES.get((method, route_path))


def require_scope(request: Request, scopes: frozenset[TokenScope]) -> None:
    path = getattr(request.scope.get("route"), "path", request.url.path)
    needed = needed_scope(request.method, path)
    if needed is None:
        raise HTTPException(status_code=403, detail="API tokens cannot do this: sign in to "
                            "Second Look in a browser")
    if needed not in scopes:
        held = ", ".join(sorted(s.value for s in scopes))
        raise HTTPException(status_code=403, detail=f"this API token has the scope(s) {held}; "
                            f"this request needs {needed.value}: make a token with it")
