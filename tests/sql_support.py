"""Counting the SQL statements a piece of work sends: a page's cost to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine as DbEngine


@contextmanager
def statements(db: DbEngine) -> Iterator[list[str]]:
    """The statements sent on ``db`` inside the block, in order (the list fills as it runs)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(db, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db, "before_cursor_execute", record)
