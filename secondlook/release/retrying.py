"""Sending one request to a channel, once, and what a failure means for trying again.

A step either *prepares* (uploads a photo, sets alt text: nothing public yet) or
*publishes* (creates the post). Nothing here waits or retries: a person's request
must not sit out a channel's back-off (three ``Retry-After: 15`` once held one
request for 45 s). A failure that certainly left nothing public is ``retryable``:
no connection was made, a rate limit (429, or a channel's documented rate-limit
answer) refused it before accepting it, or a preparing step failed. The release
records when to try again (``RetryPolicy.next_try``) and the background releaser
(``scheduling.run_due``, in the server or from cron) does.

A publishing request that got any other answer may have been applied: a 5xx,
503 included (a 503 with the post applied was resent and posted twice), a read
timeout or a dropped connection after sending. That is ``InDoubt`` and is never
retried until a person has looked at the channel.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from secondlook.release.errors import ChannelError, InDoubt, Unavailable

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how far apart, a channel is tried (the person's try included)."""

    max_attempts: int = 4
    max_wait: float = 120.0  # the longest back-off; a channel's own Retry-After is kept
    base_delay: float = 30.0

    def backoff(self, attempt: int) -> float:
        return min(self.base_delay * 2 ** (attempt - 1), self.max_wait)

    def next_try(self, error: ChannelError, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` tries ended in ``error``; None: not by itself."""
        if not error.retryable or attempts >= self.max_attempts:
            return None
        wait = error.retry_after if error.retry_after is not None else self.backoff(attempts)
        return now + timedelta(seconds=wait)


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
    if publishes and response.status_code >= 500:
        return InDoubt(f"{label}: the channel answered {response.status_code} after the post "
                       "was sent; it may or may not be online", status=response.status_code)
    return error


def send(call: Callable[[], httpx.Response], *, classify: Classifier, label: str,
         publishes: bool) -> httpx.Response:
    """The successful response, or the error saying whether trying again is safe."""
    result = _outcome(call, classify, label, publishes)
    if isinstance(result, ChannelError):
        raise result
    return result
