"""Creating and migrating the database from code (``secondlook init``, ``make run``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

_HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(_HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any fixed number: the key of the PostgreSQL advisory lock that migrations take.
MIGRATION_LOCK = 0x5EC0_1D00C


def migrate(engine: Engine) -> str:
    """Bring the schema to the latest revision; returns that revision.

    Several ``secondlook init`` (or servers) starting at once are safe: the migration runs
    under a lock held to its commit — PostgreSQL's transaction-level advisory lock, or an
    exclusive SQLite transaction — so the second waits, then finds the schema at head.
    """
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    if engine.dialect.name == "sqlite":
        engine = _exclusive_sqlite(engine)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        if engine.dialect.name == "sqlite":
            engine.dispose()
    return head_revision()


def _exclusive_sqlite(engine: Engine) -> Engine:
    """A separate engine whose transactions begin with BEGIN EXCLUSIVE.

    The sqlite3 module opens transactions itself, late and never for DDL, so Alembic's
    CREATE TABLEs would each commit on their own; here the driver is put in autocommit
    and the whole migration is one exclusive transaction (SQLAlchemy's documented recipe).
    """
    from consent_store.db import make_engine

    own = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(own, "connect")
    def _autocommit(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None

    @event.listens_for(own, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN EXCLUSIVE")

    return own


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}; merge them")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class DatabaseNotReady(RuntimeError):
    """The database is missing or older than this version of Second Look."""


def ensure_current(engine: Engine) -> None:
    current = current_revision(engine)
    if current != head_revision():
        raise DatabaseNotReady(
            f"the database at {engine.url.render_as_string(hide_password=True)} is "
            + ("not initialised" if current is None else f"at revision {current}")
            + "; run `secondlook init` (or `make run`) to create or migrate it"
        )
