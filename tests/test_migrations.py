"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from secondlook.database import current_revision, head_revision
from secondlook.schema import metadata, ours


def test_one_head_and_database_at_head(db) -> None:
    assert current_revision(db) == head_revision()


def test_migrated_schema_matches_the_models(db) -> None:
    with db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": ours})
        diff = compare_metadata(context, metadata)
    assert diff == []
