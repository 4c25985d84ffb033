"""What every channel adapter offers: ``publish(content) -> Published``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from secondlook.release.content import ReleaseContent


@dataclass(frozen=True, slots=True)
class Published:
    remote_id: str
    url: str


class Adapter(Protocol):
    channel: str

    def publish(self, content: ReleaseContent) -> Published: ...


def error_text(body: object, *path: str) -> str:
    """A message from a JSON error body, or '' (bodies are not always JSON)."""
    for key in path:
        if not isinstance(body, dict):
            return ""
        body = body.get(key)
    return body if isinstance(body, str) else ""
