"""The trust's schools: listing and adding them (``secondlook school add``, the admin page)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from consent_store.models import School
from consent_store.scope import all_schools, use_school

T = TypeVar("T")


class SchoolError(ValueError):
    """A school name that cannot be used (empty, too long, taken)."""


def list_schools(session: Session) -> list[School]:
    with all_schools():
        return list(session.exec(select(School).order_by(School.id)))  # type: ignore[arg-type]


def find_school(session: Session, ref: str) -> School | None:
    """A school by its number or its exact name."""
    for school in list_schools(session):
        if ref.strip() == str(school.id) or ref.strip() == school.name:
            return school
    return None


def add_school(session: Session, name: str) -> School:
    name = " ".join(name.split())
    if not name:
        raise SchoolError("a school needs a name")
    if len(name) > 200:
        raise SchoolError("the school's name is longer than 200 characters")
    if any(s.name.casefold() == name.casefold() for s in list_schools(session)):
        raise SchoolError(f"there is already a school called {name!r}")
    school = School(name=name)
    session.add(school)
    session.flush()
    return school


def school_ids(db: Engine) -> list[int]:
    with Session(db) as session:
        return [s.id for s in list_schools(session) if s.id is not None]


def for_each_school(db: Engine, work: Callable[[], T]) -> Iterator[T]:
    """``work()`` once per school, each time scoped to that school (background rounds:
    due releases, recovery, mail), so no round ever mixes two schools' rows."""
    for school_id in school_ids(db):
        with use_school(school_id):
            yield work()
