"""What every check is: a name and a ``run(ctx)`` that yields findings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from moderation.findings import Finding

if TYPE_CHECKING:
    from moderation.pipeline import CheckContext


class Check(Protocol):
    #: the ``check`` value of the findings it makes, and the name a crash is reported under
    name: str

    def run(self, ctx: CheckContext) -> Iterable[Finding]: ...
