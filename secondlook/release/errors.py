"""What can go wrong talking to a channel, sorted by what it means for a retry.

- ``retryable``: the channel certainly did not publish, trying again later is safe;
- ``in_doubt``: the publishing request may have been applied; nothing is retried
  until a person has looked at the channel.
"""

from __future__ import annotations


class ChannelError(Exception):
    retryable = False
    in_doubt = False

    def __init__(self, message: str, *, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class NotConfigured(ChannelError):
    """No credentials entered for the channel."""


class TokenExpired(ChannelError):
    """The access token was refused: an admin must enter a new one."""


class Refused(ChannelError):
    """The channel refused the request (4xx): retrying the same request would not help."""


class RateLimited(ChannelError):
    retryable = True


class Unavailable(ChannelError):
    """No connection was made, or a preparing step failed: nothing public was created."""

    retryable = True


class InDoubt(ChannelError):
    """The publishing request was sent and the answer was lost or ambiguous."""

    in_doubt = True
