"""Fixtures for the workflow tests (a pytest plugin: ``pytest_plugins = [...]``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from secondlook.accounts.models import User
from secondlook.workflow.checking import Checker
from tests.conftest import checker_for
from tests.workflow_helpers import add_staff, marker_engine


@pytest.fixture
def staff(sqlite_db: DbEngine) -> dict[str, User]:
    return add_staff(sqlite_db)


@pytest.fixture
def wf(sqlite_db: DbEngine) -> Iterator[Session]:
    """A session on the SQLite test database (the services never commit)."""
    with Session(sqlite_db) as s:
        yield s


@pytest.fixture
def mengine(blank_nlp) -> Checker:  # noqa: ANN001
    """The marker check behind the checker the workflow services take."""
    return checker_for(marker_engine(blank_nlp))
