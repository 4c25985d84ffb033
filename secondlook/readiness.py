"""Is this server process ready to serve: what ``GET /readyz`` reports, part by part.

The four parts a process needs, each checked afresh on every call (a load balancer asks
every few seconds; each costs a query or a file read):

- ``database``: it answers a query;
- ``migrations``: it is at the schema revision this code expects (a newer code base
  rolled out before ``secondlook init`` ran, or an old backup put back, is not);
- ``data_key``: the key this process holds is the one the database records (a key file
  replaced under a running server is not; restart it);
- ``rule_packs``: the packs in force still load (a school's edited pack that broke is
  caught here before a restart refuses to start).

A part that fails says what, in words that name no learner and no secret (the database
URL is not repeated: its password could be in it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from consent_store.crypto import key_fingerprint

log = logging.getLogger(__name__)
PARTS = ("database", "migrations", "data_key", "rule_packs")


@dataclass(frozen=True)
class Readiness:
    problems: dict[str, str]  # part -> what is wrong; empty when ready

    @property
    def ready(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "not ready",
                "checks": {part: self.problems.get(part, "ok") for part in PARTS}}


def readiness(*, db: DbEngine, data_key: bytes, rules_dir: Path | None) -> Readiness:
    problems: dict[str, str] = {}
    try:
        with db.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("readiness: the database does not answer: %s", exc)
        problems["database"] = "the database does not answer"
        problems["migrations"] = problems["data_key"] = "not checked: no database"
    else:
        _check(problems, "migrations", lambda: _migrations(db))
        _check(problems, "data_key", lambda: _data_key(db, data_key))
    _check(problems, "rule_packs", lambda: _rule_packs(rules_dir))
    return Readiness(problems)


def _check(problems: dict[str, str], part: str, probe: Callable[[], str | None]) -> None:
    try:
        problem = probe()
    except Exception as exc:  # noqa: BLE001 - a probe that crashes is a failed part
        log.warning("readiness: %s could not be checked", part, exc_info=True)
        problem = f"could not be checked ({type(exc).__name__})"
    if problem:
        problems[part] = problem


def _migrations(db: DbEngine) -> str | None:
    from secondlook.database import current_revision, head_revision

    current, head = current_revision(db), head_revision()
    if current == head:
        return None
    at = "not initialised" if current is None else f"at revision {current}"
    return f"the database is {at}, this code expects {head}: run `secondlook init`"


def _data_key(db: DbEngine, key: bytes) -> str | None:
    from secondlook import instance_state

    with Session(db) as session:
        stored = instance_state.get(session, instance_state.KEY_FINGERPRINT)
    if stored is None or stored == key_fingerprint(key):
        return None
    return ("this process's data key is not the one the database records: "
            "restart it so it reads the current key")


def _rule_packs(rules_dir: Path | None) -> str | None:
    from moderation.rulepack import RulePackError, load_rulebook, pack_paths

    try:
        load_rulebook(pack_paths(rules_dir))
    except RulePackError as exc:
        return f"a rule pack does not load: {exc}"
    return None
