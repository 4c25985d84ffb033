"""Testing a channel's credentials before they are saved, with calls that publish nothing.

Facebook: ``GET /{page-id}?fields=id,name`` with the page token (is it this page, and does
the token open it?), then ``GET /debug_token`` for the token's type and expiry. X:
``GET /2/users/me`` (whose token is it?). Tokens travel in the ``Authorization`` header,
except ``debug_token``'s ``input_token``, which Facebook only takes as a parameter; that
request goes to Facebook alone, over TLS, and nothing of ours logs outgoing addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from secondlook.release.adapters import error_text, json_body

PAGE_ID = re.compile(r"^[0-9]{5,25}$")
X_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
MIN_TOKEN = 8
FACEBOOK_TOKEN_CODES = {190, 102}


class ConnectionFailed(ValueError):
    """The credentials are malformed or the channel refused them; nothing was saved."""


@dataclass(frozen=True, slots=True)
class Connected:
    """What the channel said about the account the token opens."""

    account: str  # the page id or the X username, as the channel spells it
    account_name: str  # the page's name, or the X account's display name
    expires_at: datetime | None  # None: does not expire, or the channel does not say


def check_format(channel: str, account: str, token: str) -> tuple[str, str]:
    """The account and token stripped, or ``ConnectionFailed`` saying what is wrong."""
    account, token = account.strip().lstrip("@"), token.strip()
    if channel == "facebook" and not PAGE_ID.match(account):
        raise ConnectionFailed(
            f"{account or 'an empty value'!r} is not a Facebook page id: it is a number of "
            "5 to 25 digits, such as 104582719283746 (your page → About → Page transparency, "
            "or Meta Business Suite → Settings → Business assets)")
    if channel == "twitter" and not X_USERNAME.match(account):
        raise ConnectionFailed(
            f"{account or 'an empty value'!r} is not an X username: up to 15 letters, digits "
            "or underscores, as in x.com/oakfieldpri (without the @)")
    if len(token) < MIN_TOKEN or any(ch.isspace() for ch in token):
        raise ConnectionFailed("the access token looks incomplete: paste the whole token, "
                               "without spaces or line breaks")
    return account, token


def _get(client: httpx.Client, url: str, token: str, name: str,
         params: dict[str, str] | None = None) -> httpx.Response:
    try:
        return client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise ConnectionFailed(f"could not reach {name} ({type(exc).__name__}): check this "
                               "server's internet connection and try again") from exc


def probe_facebook(client: httpx.Client, *, base_url: str, page_id: str,
                  token: str) -> Connected:
    base = base_url.rstrip("/")
    response = _get(client, f"{base}/{page_id}", token, "Facebook", {"fields": "id,name"})
    body = json_body(response)
    if response.status_code != 200 or not isinstance(body, dict):
        raise ConnectionFailed(_facebook_problem(response, body, page_id))
    if str(body.get("id", "")) != page_id:
        raise ConnectionFailed(f"Facebook answered for page {body.get('id')!r}, not {page_id}")
    return Connected(page_id, str(body.get("name", "")),
                     _facebook_expiry(client, base, token))


def _facebook_problem(response: httpx.Response, body: object, page_id: str) -> str:
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    message = error_text(body, "error", "message") or response.reason_phrase
    if code in FACEBOOK_TOKEN_CODES or response.status_code == 401:
        return ("Facebook refused this page access token (it is mistyped, revoked or has "
                f"expired): {message}")
    if code in (100, 803) or response.status_code == 404:
        return (f"Facebook knows no page {page_id} that this token can open: check the page "
                f"id, and that the token is the page's own, not your personal one ({message})")
    return f"Facebook answered {response.status_code}: {message}"


def _facebook_expiry(client: httpx.Client, base: str, token: str) -> datetime | None:
    """The token's expiry from ``debug_token``; None if it never expires or is not said.
    A user token (not the page's own) is refused: posting to the page would fail later."""
    response = _get(client, f"{base}/debug_token", token, "Facebook", {"input_token": token})
    data = json_body(response)
    data = data.get("data", {}) if isinstance(data, dict) else {}
    if response.status_code != 200 or not isinstance(data, dict):
        return None
    if str(data.get("type", "PAGE")).upper() == "USER":
        raise ConnectionFailed(
            "this is a personal (user) access token: Facebook needs the page's own token. "
            "In the Graph API Explorer choose your page under 'User or Page', then copy it")
    expires = data.get("expires_at") or 0
    return datetime.fromtimestamp(int(expires), UTC) if int(expires) > 0 else None


def probe_x(client: httpx.Client, *, base_url: str, username: str, token: str) -> Connected:
    response = _get(client, f"{base_url.rstrip('/')}/2/users/me", token, "X")
    body = json_body(response)
    data = body.get("data") if isinstance(body, dict) else None
    if response.status_code == 401:
        raise ConnectionFailed("X refused this access token (it is mistyped, revoked or has "
                               "expired): make a new one in the developer portal")
    if response.status_code != 200 or not isinstance(data, dict):
        detail = error_text(body, "detail") or error_text(body, "title")
        raise ConnectionFailed(f"X answered {response.status_code}: "
                               f"{detail or response.reason_phrase}")
    owner = str(data.get("username", ""))
    if owner.lower() != username.lower():
        raise ConnectionFailed(f"this token belongs to @{owner}, not @{username}: enter the "
                               "account the school posts as, or that account's token")
    return Connected(owner, str(data.get("name", "")), None)


def probe(channel: str, client: httpx.Client, *, facebook_url: str, x_url: str,
                    account: str, token: str) -> Connected:
    """Check the format, then ask the channel; ``ConnectionFailed`` says what is wrong."""
    account, token = check_format(channel, account, token)
    if channel == "facebook":
        return probe_facebook(client, base_url=facebook_url, page_id=account, token=token)
    if channel == "twitter":
        return probe_x(client, base_url=x_url, username=account, token=token)
    raise ConnectionFailed(f"{channel!r} has no API to test (Class Dojo is released by hand)")
