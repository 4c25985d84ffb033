"""Typed workflow errors: the API maps them to status codes, pages to messages."""

from __future__ import annotations


class WorkflowError(Exception):
    """A rule of the workflow refused the request; the message says why and what to do."""

    status_code = 400


class NotFound(WorkflowError):
    status_code = 404


class Forbidden(WorkflowError):
    """The user's roles or relation to the draft do not allow this."""

    status_code = 403


class InvalidTransition(WorkflowError):
    """The draft is not in a state where this can happen (e.g. approving a released post)."""

    status_code = 409


class Conflict(InvalidTransition):
    """Someone else changed the draft first; reload and try again."""


class StaleReport(Conflict):
    """The consent register changed since the report was made, and the report no longer holds."""


class InvalidContent(WorkflowError):
    """The draft content itself is unusable (unknown channel, empty text, bad image)."""

    status_code = 422
