"""What every channel adapter offers (``publish(content) -> Published``), and the one
mapping from a channel's error answer to what it means for a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from secondlook.release.content import ReleaseContent
from secondlook.release.errors import (
    ChannelError,
    RateLimited,
    Refused,
    TokenExpired,
    Unavailable,
)
from secondlook.release.retrying import retry_after_seconds


@dataclass(frozen=True, slots=True)
class Published:
    remote_id: str
    url: str


class Adapter(Protocol):
    channel: str

    def publish(self, content: ReleaseContent) -> Published: ...

    def delete(self, remote_id: str) -> bool:
        """Take a post down; False when the channel has no such post (already gone)."""
        ...


def error_text(body: object, *path: str) -> str:
    """A message from a JSON error body, or '' (bodies are not always JSON)."""
    for key in path:
        if not isinstance(body, dict):
            return ""
        body = body.get(key)
    return body if isinstance(body, str) else ""


def json_body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return {}


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """What a channel's error body says, read by that channel's adapter."""

    message: str
    token_refused: bool = False  # besides 401, e.g. Facebook's error code 190
    rate_limited: bool = False  # besides 429, e.g. Facebook's codes 4, 17, 32, 613


def classify(response: httpx.Response, answer: ErrorAnswer, *, name: str, token: str,
             channel: str) -> ChannelError:
    """The same ladder for every channel: a refused token, a rate limit (refused before it
    was accepted), a server error (``retrying`` makes it in doubt when it answered the
    publishing request), or a refusal that retrying would not change."""
    status = response.status_code
    message = answer.message or response.reason_phrase
    if answer.token_refused or status == 401:
        return TokenExpired(f"{name} refused the {token} (expired or revoked): an admin must "
                            f"enter a new one with `secondlook channel set {channel}`",
                            status=status)
    if answer.rate_limited or status == 429:
        return RateLimited(f"{name} rate limit: {message}",
                           retry_after=retry_after_seconds(response.headers), status=status)
    if status >= 500:
        return Unavailable(f"{name} answered {status}: {message}", status=status)
    return Refused(f"{name} refused the request ({status}): {message}", status=status)
