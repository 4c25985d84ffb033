"""Sending one request to a channel with back-off, without ever risking a double post.

A step either *prepares* (uploads a photo, sets alt text: nothing public yet) or
*publishes* (creates the post). Any failure of a preparing step is retried. A
publishing step is retried only when the channel certainly did not apply it:
no connection was made, 429 (rate limited, with Retry-After), or 503 (the
server declined the request). A read timeout, a dropped connection, or
500/502/504 after the request was sent leave the outcome unknown: that is
``InDoubt`` and is never retried automatically.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from secondlook.release.errors import ChannelError, InDoubt, Unavailable

# Statuses after which a publishing request was certainly not applied.
_DECLINED = {503}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    max_wait: float = 120.0  # longer rate-limit waits end this run; a later one retries
    base_delay: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def backoff(self, attempt: int) -> float:
        return min(self.base_delay * 2 ** (attempt - 1), self.max_wait)


def retry_after_seconds(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Retry-After (seconds or an HTTP date) or X's x-rate-limit-reset (epoch seconds)."""
    now = time.time() if now is None else now
    raw = headers.get("retry-after")
    if raw:
        if raw.strip().isdigit():
            return float(raw)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.replace(tzinfo=when.tzinfo or UTC).timestamp() - now)
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    return None


Classifier = Callable[[httpx.Response], ChannelError]


def _outcome(call: Callable[[], httpx.Response], classify: Classifier, label: str,
             publishes: bool) -> httpx.Response | ChannelError:
    try:
        response = call()
    except _NOT_SENT as exc:
        return Unavailable(f"{label}: could not connect ({type(exc).__name__})")
    except httpx.TransportError as exc:  # read timeout, connection dropped mid-way
        if publishes:
            return InDoubt(f"{label}: no answer after sending ({type(exc).__name__}); "
                           "the post may or may not be online")
        return Unavailable(f"{label}: no answer ({type(exc).__name__})")
    if response.is_success:
        return response
    error = classify(response)
    if publishes and response.status_code >= 500 and response.status_code not in _DECLINED:
        return InDoubt(f"{label}: the channel answered {response.status_code} after the post "
                       "was sent; it may or may not be online", status=response.status_code)
    return error


def send(call: Callable[[], httpx.Response], *, classify: Classifier, label: str,
         publishes: bool, policy: RetryPolicy) -> httpx.Response:
    """The successful response, or the last error once retrying is unsafe or useless."""
    for attempt in range(1, policy.max_attempts + 1):
        result = _outcome(call, classify, label, publishes)
        if isinstance(result, httpx.Response):
            return result
        if not result.retryable or attempt == policy.max_attempts:
            raise result
        wait = result.retry_after if result.retry_after is not None else policy.backoff(attempt)
        if wait > policy.max_wait:
            until = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%H:%M UTC")
            raise type(result)(f"{result} (the channel asks to wait until {until})",
                               retry_after=wait, status=result.status)
        policy.sleep(wait)
    raise AssertionError("unreachable")  # the loop always returns or raises
