"""Schools, and the one place that keeps them apart.

A trust runs one database for all its schools. Every school's row carries ``school_id``
(learners, consents, templates, staff names, channel credentials, drafts and everything
hanging off them, releases, takedowns, mails, audit entries); the tables without it are
deliberately global (``GLOBAL_TABLES``: accounts, sign-in machinery, content-addressed
photo bytes, the instance's own settings).

Which school a piece of work is for is ambient: a context variable set at the edge (the
web app per request from the signed-in person's roles, the CLI from ``--school``, each
background round per school). Two listeners on every ORM session then do the rest:

* ``do_orm_execute`` adds ``school_id = <current>`` to every SELECT, UPDATE and DELETE
  that touches a school-scoped table (``with_loader_criteria``), so a query written
  without a thought for schools still reads only the current school's rows;
* ``before_flush`` fills ``school_id`` on new rows and refuses a row for another school,
  or a row moved between schools.

``all_schools()`` lifts the filter, for what is deliberately trust-wide (finding which
schools have due work, migrations, backups); writing a school-scoped row there must name
its school. When nothing was set (a single-school install, a script) the current school
is the first one, so one school needs no notion of schools at all.

Raw SQL does not pass through the ORM: the few text queries on school tables read
``current_school_id()`` themselves (``consent_store.db.register_fingerprint``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlmodel import SQLModel

from consent_store.models import School

__all__ = ["School", "all_schools", "current_school_id", "use_school"]

FIRST_SCHOOL_ID = 1

# Tables without a school: say why in the README's "How it is built" before adding one.
GLOBAL_TABLES = frozenset({
    "school",  # the schools themselves
    "user_account",  # a person, who may work at several schools (roles name the school)
    "web_session", "api_token", "login_throttle", "setup_link", "server_secret",
    "instance_setting",  # the instance: data key fingerprint, shared secrets
    "trust_rule_setting",  # the trust's defaults for rules (each school's own are scoped)
    "image_blob",  # photo bytes by SHA-256, reached only through a school's revision_image
    "release_worker",  # server processes' heartbeats
    "job",  # background jobs (machinery); each job's arguments carry its school
    # the trust-wide chain's head and the heads verifications saw (each names its chain);
    # each school's own head is kept by the audit module itself, by school number
    "audit_head", "audit_checkpoint", "audit_school_head",
})


class _AllSchools:
    def __repr__(self) -> str:
        return "all schools"


ALL = _AllSchools()
_current: ContextVar[int | _AllSchools | None] = ContextVar("secondlook_school", default=None)


class SchoolScopeError(RuntimeError):
    """A row for another school, or a school-scoped write with no school chosen."""


def current_scope() -> int | _AllSchools:
    value = _current.get()
    return FIRST_SCHOOL_ID if value is None else value


def current_school_id() -> int:
    """The school this work is for; refuses inside ``all_schools()``."""
    value = current_scope()
    if isinstance(value, _AllSchools):
        raise SchoolScopeError("this needs one school, but the code runs for all schools")
    return value


def set_school(school_id: int | _AllSchools) -> Any:
    """Set the scope until ``reset_school(token)`` (the web middleware's form)."""
    return _current.set(school_id)


def reset_school(token: Any) -> None:
    _current.reset(token)


@contextmanager
def use_school(school_id: int) -> Iterator[None]:
    token = _current.set(school_id)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def all_schools() -> Iterator[None]:
    token = _current.set(ALL)
    try:
        yield
    finally:
        _current.reset(token)


def scoped_models() -> list[Any]:
    """Every mapped class whose table has ``school_id`` (all tables but the global ones)."""
    found = []
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        table: Any = mapper.local_table
        if table is not None and "school_id" in table.c and table.name not in GLOBAL_TABLES:
            found.append(mapper.class_)
    return found


_criteria_cache: dict[tuple[int, int], list[Any]] = {}


def _criteria(school_id: int) -> list[Any]:
    models = scoped_models()
    key = (school_id, len(models))
    options = _criteria_cache.get(key)
    if options is None:
        options = [with_loader_criteria(m, m.school_id == school_id, include_aliases=True)
                   for m in models]
        if len(_criteria_cache) > 1000:
            _criteria_cache.clear()
        _criteria_cache[key] = options
    return options


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    scope = current_scope()
    if isinstance(scope, _AllSchools):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_criteria(scope))


@event.listens_for(Session, "before_flush")
def _check_rows(session: Session, _context: Any, _instances: Any) -> None:
    scope = current_scope()
    for obj in session.new:
        if not _scoped(obj):
            continue
        if obj.school_id is None:
            if isinstance(scope, _AllSchools):
                raise SchoolScopeError(f"a new {type(obj).__name__} names no school")
            obj.school_id = scope
        elif not isinstance(scope, _AllSchools) and obj.school_id != scope:
            raise SchoolScopeError(f"refused: a {type(obj).__name__} for school "
                                   f"{obj.school_id} written while working for school {scope}")
    for obj in session.dirty:
        if not _scoped(obj):
            continue
        history = inspect(obj).attrs.school_id.history
        if history.deleted and history.added:
            raise SchoolScopeError(f"refused: a {type(obj).__name__} cannot move to "
                                   "another school")


def _scoped(obj: Any) -> bool:
    table = getattr(type(obj), "__table__", None)
    return table is not None and "school_id" in table.c and table.name not in GLOBAL_TABLES
