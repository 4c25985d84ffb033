"""Admin: channel credentials (Facebook page token, X access token), stored encrypted.

Each value is explained where it is asked for, checked for its shape, and tried against
the channel with a call that publishes nothing before anything is saved. Tokens are
write-only here: the page shows which account is set and when its token expires, never
the token itself.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from consent_store.channels import label
from consent_store.models import utcnow
from secondlook.accounts.models import User
from secondlook.release.channels import http_client
from secondlook.release.connection import Connected, ConnectionFailed, probe
from secondlook.release.credentials import (
    EXPIRY_WARNING,
    SPECS,
    CredentialError,
    credential_row,
    load_credentials,
    remove_credentials,
    set_credentials,
)
from secondlook.release.errors import NotConfigured
from secondlook.release.models import ChannelCredential
from web.deps import AdminDep, DataKeyDep, SessionDep, SettingsDep, ZoneDep
from web.templating import page

router = APIRouter(prefix="/admin/channels", tags=["admin"])


def _spec(channel: str) -> None:
    if channel not in SPECS:
        raise HTTPException(status_code=404, detail=f"{channel!r} takes no credentials: "
                            "Class Dojo is released by a download and a pasted link")


def _render(request: Request, session: Session, admin: User, status: int = 200,
            **extra: object) -> HTMLResponse:
    stored = {row.channel: row for row in session.exec(select(ChannelCredential))}
    return page(request, "release/channels.html", {
        "user": admin, "stored": stored, "specs": SPECS, "now": utcnow(),
        "warning_days": EXPIRY_WARNING.days, "done": request.query_params.get("done", ""),
        "tested": request.query_params.get("tested", ""),
        "removed": request.query_params.get("removed", ""), "errors": {}, "form": {},
        **extra}, status)


@router.get("", response_class=HTMLResponse, summary="Channel credentials")
def channels_page(request: Request, session: SessionDep, admin: AdminDep) -> HTMLResponse:
    return _render(request, session, admin)


def _expiry(raw: str, found: datetime | None, zone: ZoneInfo) -> datetime | None:
    """What the channel said, else the date the admin typed (the end of that school day)."""
    if found is not None or not raw.strip():
        return found
    try:
        return datetime.combine(date.fromisoformat(raw.strip()), time(23, 59), tzinfo=zone)
    except ValueError as exc:
        raise ConnectionFailed(f"{raw!r} is not a date like 2027-03-31") from exc


def _connect(settings: SettingsDep, channel: str, account: str, token: str) -> Connected:
    with http_client(settings) as client:
        return probe(channel, client, facebook_url=settings.facebook_graph_url,
                     x_url=settings.x_api_url, account=account, token=token)


@router.post("/{channel}", summary="Test and store a channel's credentials")
def set_channel(request: Request, channel: str, session: SessionDep, admin: AdminDep,
                key: DataKeyDep, settings: SettingsDep, zone: ZoneDep,
                account: Annotated[str, Form()] = "", token: Annotated[str, Form()] = "",
                expires: Annotated[str, Form()] = "") -> Response:
    _spec(channel)
    spec = SPECS[channel]
    try:
        found = _connect(settings, channel, account, token)
        set_credentials(session=session, channel=channel, actor=admin, key=key,
                        values={spec.account_field: found.account, "token": token.strip()},
                        account_name=found.account_name,
                        expires_at=_expiry(expires, found.expires_at, zone))
    except (ConnectionFailed, CredentialError) as exc:
        session.rollback()
        return _render(request, session, admin, 422, errors={channel: str(exc)},
                       form={channel: {"account": account, "expires": expires}})
    session.commit()
    return RedirectResponse(f"/admin/channels?done={channel}", status_code=303)


@router.post("/{channel}/test", summary="Test the stored credentials again")
def retest_channel(request: Request, channel: str, session: SessionDep, admin: AdminDep,
                 key: DataKeyDep, settings: SettingsDep) -> Response:
    _spec(channel)
    row = credential_row(session, channel)
    try:
        creds = load_credentials(session=session, channel=channel, key=key)
        found = _connect(settings, channel, creds[SPECS[channel].account_field], creds["token"])
    except (ConnectionFailed, NotConfigured) as exc:
        return _render(request, session, admin, 422,
                       errors={channel: f"The stored {label(channel)} credentials do not "
                               f"work: {exc}. Enter new ones below."})
    assert row is not None
    row.account_name = found.account_name or row.account_name
    row.expires_at = found.expires_at or row.expires_at
    session.add(row)
    session.commit()
    return RedirectResponse(f"/admin/channels?tested={channel}", status_code=303)


@router.post("/{channel}/remove", summary="Remove a channel's credentials")
def remove_channel(channel: str, session: SessionDep, admin: AdminDep) -> Response:
    _spec(channel)
    remove_credentials(session=session, channel=channel, actor=admin)
    session.commit()
    return RedirectResponse(f"/admin/channels?removed={channel}", status_code=303)
