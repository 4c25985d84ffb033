"""CLI commands: each module exposes ``COMMAND`` with ``help``, ``configure`` and ``run``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from secondlook.config import Settings, get_settings


class CommandError(Exception):
    """A failure to report to the user in one line, exit code 1 (no traceback)."""


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def open_database(settings: Settings | None = None, *, migrate_if_needed: bool = False) -> Engine:
    """The configured database, checked to be at the current schema revision."""
    from consent_store.db import make_engine
    from secondlook.database import DatabaseNotReady, ensure_current, migrate

    settings = settings or get_settings()
    try:
        engine = make_engine(settings.resolved_database_url())
        if migrate_if_needed:
            migrate(engine)
        else:
            ensure_current(engine)
    except DatabaseNotReady as exc:
        raise CommandError(str(exc)) from exc
    except Exception as exc:  # connection refused, bad URL, permissions...
        raise CommandError(f"cannot open the database: {exc}") from exc
    return engine


def validate_rule_packs() -> None:
    """A broken rule pack stops the command before it checks or serves anything."""
    from moderation.rulepack import RulePackError
    from moderation.text.shared import configured_rules

    try:
        configured_rules()
    except RulePackError as exc:
        raise CommandError(f"rule pack refused: {exc}") from exc
