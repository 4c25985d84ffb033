"""CLI commands: each module exposes ``COMMAND`` with ``help``, ``configure`` and ``run``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from secondlook.config import Settings, get_settings

if TYPE_CHECKING:
    from moderation.rulepack import Policy, Rule
    from secondlook.workflow.checking import Checker


class CommandError(Exception):
    """A failure to report to the user in one line, exit code 1 (no traceback)."""

    exit_code = 1


class UsageError(CommandError):
    """The command was given something it cannot be used on (e.g. an empty text): exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def open_database(settings: Settings | None = None, *, migrate_if_needed: bool = False,
                  check_key: bool = True) -> Engine:
    """The configured database, checked to be at the current schema revision, and the data
    key checked to be the one its sealed data needs (``secondlook.keys.open_data_key``)."""
    from consent_store.crypto import CryptoError
    from consent_store.db import make_engine
    from secondlook.database import DatabaseNotReady, ensure_current, migrate
    from secondlook.keys import open_data_key

    settings = settings or get_settings()
    try:
        engine = make_engine(settings.resolved_database_url())
        if migrate_if_needed:
            migrate(engine)
        else:
            ensure_current(engine)
        if check_key:
            open_data_key(settings, engine)
    except DatabaseNotReady as exc:
        raise CommandError(str(exc)) from exc
    except CryptoError as exc:
        raise CommandError(f"refusing to start: {exc}") from exc
    except Exception as exc:  # connection refused, bad URL, permissions...
        raise CommandError(f"cannot open the database: {exc}") from exc
    return engine


def rulebook(settings: Settings) -> tuple[list[Rule], Policy]:
    """The rules and policy in force; a broken pack stops the command with its reason."""
    from moderation.rulepack import RulePackError, load_rulebook, pack_paths

    try:
        return load_rulebook(pack_paths(settings.rules_dir))
    except RulePackError as exc:
        raise CommandError(f"rule pack refused: {exc}") from exc


def validate_rule_packs(settings: Settings) -> None:
    """A broken rule pack stops the command before it checks or serves anything."""
    rulebook(settings)


def data_key(settings: Settings) -> bytes:
    """The data key, or a one-line error naming the setting or file at fault."""
    from consent_store.crypto import CryptoError
    from secondlook import keys

    try:
        return keys.data_key(settings)
    except (CryptoError, OSError) as exc:
        raise CommandError(f"the data key cannot be read: {exc}") from exc


def checker(settings: Settings) -> Checker:
    """What checking drafts needs, built from the settings once per command."""
    from secondlook.checking import moderation_engine
    from secondlook.workflow.checking import Checker

    return Checker(moderation_engine(settings), data_key(settings))
