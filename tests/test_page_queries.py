"""What a page costs the database (issue 16, page latency under load): the start page reads
each list once, and the menu's count on every other page is one statement returning one
number, however many drafts wait."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event

from secondlook.workflow import drafts, queues
from secondlook.workflow.seed import seed_drafts
from tests.sql_support import statements
from tests.web_support import make_app, signed_in

pytest_plugins = ["tests.workflow_support"]  # staff: alice author, carol approver+author, ...

MENU_COUNT = re.compile(r'href="/"[^>]*>My work(?: <span class="count menu-count"[^>]*>'
                        r'([^<]+)</span>)?</a>')


def _menu_count(page: str) -> str:
    found = MENU_COUNT.search(page)
    assert found, "the menu has no 'My work' link"
    return found.group(1) or ""


def _mixed_work(wf, staff, mengine) -> None:  # noqa: ANN001
    """Submitted posts (every third flagged) by alice, carol's own drafts in each state
    that asks something of her, and one carol submitted (no step of hers)."""
    seed_drafts(session=wf, author=staff["alice"], count=12, review_every=3)
    blocked = drafts.create_draft(session=wf, author=staff["carol"], text="x [block]",
                                  checker=mengine)
    plain = drafts.create_draft(session=wf, author=staff["carol"], text="Fine", checker=mengine)
    waiting = drafts.create_draft(session=wf, author=staff["carol"], text="Concert",
                                  checker=mengine)
    drafts.submit(session=wf, draft_id=waiting.id, user=staff["carol"])
    assert blocked.id and plain.id
    wf.commit()


@pytest.mark.parametrize("limit", [100, 5])
def test_the_menus_count_is_the_length_of_the_start_pages_list(
        wf, staff, mengine, limit) -> None:  # noqa: ANN001
    _mixed_work(wf, staff, mengine)
    for name in ("alice", "bob", "carol", "helen", "dora"):
        user = staff[name]
        todo = queues.my_work(session=wf, user=user, limit=limit).todo
        assert queues.my_work_count(session=wf, user=user, limit=limit) == len(todo), name
    # carol: 13 posts to approve (12 of alice's, not her own) and her 2 drafts
    assert queues.my_work_count(session=wf, user=staff["carol"], limit=100) == 14


def _waiting(wf, staff, count: int) -> None:  # noqa: ANN001
    seed_drafts(session=wf, author=staff["alice"], count=count, review_every=4)
    wf.commit()


def _sent(db, client, path: str) -> tuple[int, str]:  # noqa: ANN001
    with statements(db) as sent:
        page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return len(sent), page.text


def test_the_start_page_reads_each_list_once_however_many_wait(
        wf, staff, sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    """helen (headteacher and approver): her session, her user, the flagged list, the
    approval list, her own drafts, the expired approvals and the open takedowns; the
    menu counts the list the page has just read instead of reading it again."""
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["helen"])
    _waiting(wf, staff, 5)
    few, page = _sent(sqlite_db, client, "/")
    assert _menu_count(page) == "5"
    _waiting(wf, staff, 45)
    many, page = _sent(sqlite_db, client, "/")
    assert _menu_count(page) == "50" and page.count('<li class="item ') == 50
    assert many == few <= 7


def test_another_page_counts_the_menu_in_one_statement(
        wf, staff, sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    """carol (approver and author) on the new post page: her session, her user and the
    count; not her lists."""
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["carol"])
    _waiting(wf, staff, 120)
    sent, page = _sent(sqlite_db, client, "/drafts/new")
    assert _menu_count(page) == "99+"
    assert sent <= 3


CHILD_BY_SCHOOL = re.compile(r"SEARCH (\w+) USING (?:COVERING )?INDEX ix_(\w+)_school_id\b")


def _per_row(plan: dict[int, tuple[int, str]], node: int) -> bool:
    """Whether plan step ``node`` is inside a correlated subquery (run once per row)."""
    while node in plan:
        parent, detail = plan[node]
        if detail.startswith("CORRELATED"):
            return True
        node = parent
    return False


def test_the_start_page_looks_each_drafts_rows_up_by_draft_not_by_school(
        wf, staff, sqlite_db, blank_nlp) -> None:  # noqa: ANN001
    """The queues ask, per draft, for its latest revision and its decisions. Each of those
    lookups must use the draft's own index: when it used the school's index instead, every
    draft read all of the school's decisions, and the approval queue with 1,000 pending
    took 9 times as long (180 ms instead of 20) as before schools came. Only the list of
    drafts itself may be read by school."""
    client, _ = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, staff["helen"])
    _waiting(wf, staff, 20)
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(sqlite_db, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(sqlite_db, "before_cursor_execute", record)
    by_school = []
    raw = sqlite_db.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = {row[0]: (row[1], row[-1]) for row in cursor.fetchall()}
            for parent, detail in plan.values():
                found = CHILD_BY_SCHOOL.search(detail)
                if found and _per_row(plan, parent):
                    by_school.append(f"{detail}  in  {' '.join(statement.split())[:120]}")
    finally:
        raw.close()
    assert by_school == []
