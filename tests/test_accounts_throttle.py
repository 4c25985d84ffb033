"""Wrong passwords slow down guessing from that address without locking the real user out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from secondlook.accounts.models import Role
from secondlook.accounts.throttle import LoginThrottle
from tests.web_support import PASSWORD, add_user, login, make_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_starts_after_the_free_attempts_and_doubles() -> None:
    clock = Clock()
    t = LoginThrottle(free_attempts=3, max_delay=60, clock=clock)
    for _ in range(2):
        t.failed("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 0
    t.failed("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 1
    t.failed("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 2
    clock.now += 2
    assert t.wait_seconds("head", "10.0.0.9") == 0


def test_backoff_is_capped() -> None:
    t = LoginThrottle(free_attempts=1, max_delay=60, clock=Clock())
    for _ in range(30):
        t.failed("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 60


def test_other_addresses_and_usernames_are_not_affected() -> None:
    t = LoginThrottle(free_attempts=1, clock=Clock())
    for _ in range(10):
        t.failed("Head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") > 0  # username case does not dodge it
    assert t.wait_seconds("head", "10.0.0.50") == 0
    assert t.wait_seconds("deputy", "10.0.0.9") == 0


def test_success_clears_the_record() -> None:
    t = LoginThrottle(free_attempts=1, clock=Clock())
    t.failed("head", "10.0.0.9")
    t.succeeded("head", "10.0.0.9")
    assert t.wait_seconds("head", "10.0.0.9") == 0


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
