"""Admin: channel credentials (Facebook page token, X access token), stored encrypted.
Tokens are write-only here: the page shows which account is set, never a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from secondlook.release.credentials import (
    SPECS,
    CredentialError,
    remove_credentials,
    set_credentials,
)
from secondlook.release.models import ChannelCredential
from web.deps import AdminDep, DataKeyDep, SessionDep
from web.templating import page

router = APIRouter(prefix="/admin/channels", tags=["admin"])


@router.get("", response_class=HTMLResponse, summary="Channel credentials")
def channels_page(request: Request, session: SessionDep, admin: AdminDep) -> HTMLResponse:
    stored = {row.channel: row for row in session.exec(select(ChannelCredential))}
    return page(request, "release/channels.html", {
        "user": admin, "stored": stored, "specs": SPECS,
        "done": request.query_params.get("done", ""),
        "removed": request.query_params.get("removed", "")})


@router.post("/{channel}", summary="Store a channel's credentials")
def set_channel(channel: str, session: SessionDep, admin: AdminDep, key: DataKeyDep,
                account: Annotated[str, Form()] = "",
                token: Annotated[str, Form()] = "") -> Response:
    spec = SPECS.get(channel)
    if spec is None:
        raise HTTPException(status_code=404, detail=f"{channel!r} takes no credentials")
    try:
        set_credentials(session=session, channel=channel, actor=admin, key=key,
                        values={spec.account_field: account.lstrip("@"), "token": token})
    except CredentialError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse(f"/admin/channels?done={channel}", status_code=303)


@router.post("/{channel}/remove", summary="Remove a channel's credentials")
def remove_channel(channel: str, session: SessionDep, admin: AdminDep) -> Response:
    if channel not in SPECS:
        raise HTTPException(status_code=404, detail=f"{channel!r} takes no credentials")
    remove_credentials(session=session, channel=channel, actor=admin)
    session.commit()
    return RedirectResponse(f"/admin/channels?removed={channel}", status_code=303)
