"""Wrong passwords slow down guessing from that address without locking the real user out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from secondlook.accounts.models import LoginThrottleRecord, Role
from secondlook.accounts.throttle import LoginThrottle
from tests.web_support import PASSWORD, add_user, login, make_app


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _throttle(db, **kw) -> LoginThrottle:  # noqa: ANN001, ANN003
    kw.setdefault("clock", Clock())
    return LoginThrottle(db, **kw)


def test_backoff_starts_after_the_free_attempts_and_doubles(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=3, max_delay=60)
    for _ in range(2):
        assert t.attempt("head", "10.0.0.9") == 0
    assert t.wait_seconds("head", "10.0.0.9") == 0
    assert t.attempt("head", "10.0.0.9") == 0  # the third is still checked...
    assert t.wait_seconds("head", "10.0.0.9") == 1  # ...and the next must wait 1 s
    assert t.attempt("head", "10.0.0.9") == 1  # refused, and not counted
    t.clock.now += 1
    assert t.attempt("head", "10.0.0.9") == 0
    assert t.wait_seconds("head", "10.0.0.9") == 2
    t.clock.now += 2
    assert t.wait_seconds("head", "10.0.0.9") == 0


def test_backoff_is_capped(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=1, max_delay=60)
    for _ in range(30):
        t.attempt("head", "10.0.0.9")
        t.clock.now += 61
    t.attempt("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 60


def test_other_addresses_and_usernames_are_not_affected(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=1)
    t.attempt("Head", "10.0.0.9")
    assert t.attempt("head", "10.0.0.9") > 0  # username case does not dodge it
    assert t.attempt("head", "10.0.0.50") == 0
    assert t.attempt("deputy", "10.0.0.9") == 0


def test_success_clears_the_record(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=1)
    t.attempt("head", "10.0.0.9")
    t.succeeded("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 0


def test_the_throttle_is_shared_by_every_process_through_the_database(db) -> None:  # noqa: ANN001
    clock = Clock()
    one, two = _throttle(db, free_attempts=2, clock=clock), _throttle(db, free_attempts=2,
                                                                      clock=clock)
    assert one.attempt("head", "10.0.0.9") == 0
    assert two.attempt("head", "10.0.0.9") == 0
    assert one.attempt("head", "10.0.0.9") > 0 and two.attempt("head", "10.0.0.9") > 0


def test_parallel_guesses_get_only_the_free_attempts(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=3, max_delay=600)
    with ThreadPoolExecutor(16) as pool:
        waits = list(pool.map(lambda _: t.attempt("head", "10.0.0.9"), range(16)))
    assert waits.count(0) == 3, waits


def test_junk_usernames_do_not_free_the_target(db) -> None:  # noqa: ANN001
    """The in-memory throttle forgot its oldest record past 10,000 usernames; records now
    go only by age (a day after their wait ended), never to make room."""
    t = _throttle(db, free_attempts=1, max_delay=900, forget_after=3600)
    t.attempt("head", "10.0.0.9")
    for n in range(2_000):
        t.attempt(f"junk{n}", "10.0.0.9")  # each makes a row, the target's stays
    assert t.attempt("head", "10.0.0.9") > 0
    t.clock.now += 1 + 3600 + 1  # a quiet hour after the wait ended: forgotten...
    t.attempt("someone", "10.0.0.9")  # ...when the next new row is made
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(LoginThrottleRecord)).one() == 1


def test_typed_usernames_are_not_stored(db) -> None:  # noqa: ANN001
    _throttle(db).attempt("my secret password typed in the wrong box", "10.0.0.9")
    with Session(db) as s:
        (row,) = s.exec(select(LoginThrottleRecord)).all()
    assert "secret" not in row.key and len(row.key) == 64


def test_attacker_guessing_does_not_lock_out_the_headteacher(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "head", Role.HEADTEACHER)
    app = make_app(sqlite_db, blank_nlp, login_free_attempts=3)
    attacker = TestClient(app, client=("203.0.113.7", 5000))
    for _ in range(3):
        assert login(attacker, "head", "guess guess guess").status_code == 400
    blocked = login(attacker, "head", PASSWORD)
    assert blocked.status_code == 429
    assert "Wait 1 seconds" in blocked.text and "sl_session" not in blocked.headers.get(
        "set-cookie", "")
    head = TestClient(app, client=("10.0.0.21", 5000))
    assert login(head, "head", PASSWORD).status_code == 303
    assert head.get("/").status_code == 200


def test_wrong_password_message_does_not_reveal_whether_the_user_exists(
        sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "head", Role.HEADTEACHER)
    client = TestClient(make_app(sqlite_db, blank_nlp))
    wrong_password = login(client, "head", "not the password")
    no_such_user = login(client, "nobody", "not the password")
    assert wrong_password.status_code == no_such_user.status_code == 400
    assert "do not match an active account" in wrong_password.text
    assert wrong_password.text.replace('value="head"', 'value="nobody"') == no_such_user.text


def test_the_first_wait_is_a_setting(db) -> None:  # noqa: ANN001
    t = _throttle(db, free_attempts=1, first_delay=30, max_delay=100)
    t.attempt("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 30
    t.clock.now += 30
    t.attempt("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 60
    t.clock.now += 60
    t.attempt("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 100
