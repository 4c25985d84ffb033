"""A trust's schools checking in turn: each school's register is read once, not once per
check, and a school whose register changes is checked against the new one alone.

Before this, four snapshots were kept in all, so authors at a fifth school pushed out the
first and every check at a trust of five or more schools reread and re-indexed its register
(50-100 ms for 2,000 learners, and 100 ms more for the name index) while the author typed.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlmodel import Session

from consent_store.db import make_engine
from consent_store.models import Learner, School
from consent_store.scope import use_school
from secondlook.workflow import snapshots
from tests.conftest import migrated_url

SCHOOLS = 8
KEY = os.urandom(32)
TODAY = date(2026, 12, 4)


@pytest.fixture
def trust(tmp_path):  # noqa: ANN001, ANN201
    db = make_engine(migrated_url("sqlite", tmp_path))
    with Session(db) as s:
        s.add_all(School(name=f"School {n}") for n in range(2, SCHOOLS + 1))
        s.commit()
    for school in range(1, SCHOOLS + 1):
        with use_school(school), Session(db) as s:
            s.add(Learner(upn=f"A{school:012d}", first_name=f"Pupil{school}",
                          last_name="Surname", year_group="Year 3"))
            s.commit()
    snapshots._cache.clear()
    yield db
    snapshots._cache.clear()


def _check_each_school(db) -> dict[int, object]:  # noqa: ANN001
    seen = {}
    for school in range(1, SCHOOLS + 1):
        with use_school(school), Session(db) as s:
            snap = snapshots.current_snapshot(s, TODAY, key=KEY)
            assert [r.first_name for r in snap.learners] == [f"Pupil{school}"]
            seen[school] = snap
    return seen


def test_schools_checking_in_turn_read_each_register_once(trust, monkeypatch):  # noqa: ANN001
    loads: list[int] = []
    real = snapshots.load_snapshot

    def counted(session, today=None, *, key):  # noqa: ANN001, ANN202
        loads.append(1)
        return real(session, today, key=key)

    monkeypatch.setattr(snapshots, "load_snapshot", counted)
    first = _check_each_school(trust)
    assert len(loads) == SCHOOLS
    again = _check_each_school(trust)
    assert len(loads) == SCHOOLS, "a school's unchanged register was read again"
    assert all(again[n] is first[n] for n in first)
    assert snapshots.cached_schools() == SCHOOLS


def test_a_changed_register_replaces_only_that_schools_snapshot(trust):  # noqa: ANN001
    first = _check_each_school(trust)
    with use_school(3), Session(trust) as s:
        learner = s.get(Learner, "A000000000003")
        assert learner is not None
        learner.first_name = "Renamed"
        s.add(learner)
        s.commit()
    with use_school(3), Session(trust) as s:
        fresh = snapshots.current_snapshot(s, TODAY, key=KEY)
    assert [r.first_name for r in fresh.learners] == ["Renamed"]
    assert fresh is not first[3]
    # the old snapshot of school 3 is gone, not kept beside the new one
    assert snapshots.cached_schools() == SCHOOLS
    with use_school(4), Session(trust) as s:
        assert snapshots.current_snapshot(s, TODAY, key=KEY) is first[4]
