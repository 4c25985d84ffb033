"""Login throttling by (username, client address), never by account alone.

Locking an account after N failures would let anyone lock the headteacher out by typing
her username wrongly. Here a failure only slows down further guesses for the same
username from the same address: after ``free_attempts`` failures each further attempt must
wait twice as long as the last (``first_delay``, by default 1 s, then 2 s, 4 s … up to
``max_delay``). The real user on
another machine is unaffected, and a successful login clears the record.

The records live in the database (table ``login_throttle``), so every server process
counts the same attempts. An attempt is *charged before the password is checked*, by one
conditional UPDATE that both checks the wait and records the attempt: of sixteen
parallel guesses only the free ones get a password check, on SQLite and PostgreSQL alike
(an INSERT … ON CONFLICT DO UPDATE … WHERE, which both support; the row lock decides).
Success deletes the charge. Records are forgotten only ``forget_after`` seconds after
their wait ended, so thousands of junk usernames cannot push the target's record out;
they cost one small row each, and forgotten rows are deleted as attempts are charged.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from secondlook.accounts.models import LoginThrottleRecord as Rec

FORGET_AFTER = 24 * 3600.0  # seconds after a wait ended; a day covers an evening's attack


class LoginThrottle:
    def __init__(
        self,
        db: Engine,
        *,
        free_attempts: int = 5,
        max_delay: float = 900.0,
        first_delay: float = 1.0,
        forget_after: float = FORGET_AFTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.free_attempts = free_attempts
        self.max_delay = max_delay
        self.first_delay = first_delay
        self.forget_after = forget_after
        self.clock = clock

    @staticmethod
    def key(username: str, address: str) -> str:
        pair = f"{username.strip().casefold()}\n{address}"
        return hashlib.sha256(pair.encode()).hexdigest()

    def _delay_after(self, failures: int) -> float:
        extra = failures - self.free_attempts
        return 0.0 if extra < 0 else min(self.max_delay, self.first_delay * 2.0**extra)

    def attempt(self, username: str, address: str) -> float:
        """Charge one attempt; 0 means go ahead and check the password, otherwise the
        seconds this pair must still wait (nothing was charged)."""
        key = self.key(username, address)
        for _ in range(5):
            now = self.clock()
            try:
                if self._charge(key, now):
                    return 0.0
            except OperationalError:  # SQLite busy for longer than its timeout
                continue
            wait = self._remaining(key, now)
            if wait:
                return wait
        return 1.0  # still contended after several tries: the caller asks to retry shortly

    def _charge(self, key: str, now: float) -> bool:
        """One statement: insert the pair's first attempt, or count another one if its
        wait is over. The row lock makes the check and the count one step."""
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[self.db.dialect.name]
        table = Rec.__table__  # type: ignore[attr-defined]
        failures = table.c.failures + 1
        doubled = case((table.c.delay * 2 > self.max_delay, self.max_delay),
                       else_=table.c.delay * 2)
        delay = case((failures < self.free_attempts, 0.0),
                     (failures == self.free_attempts, min(self.first_delay, self.max_delay)),
                     else_=doubled)
        first = self._delay_after(1)
        stmt = insert(table).values(key=key, failures=1, delay=first, next_allowed=now + first)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": failures, "delay": delay, "next_allowed": now + delay},
            where=table.c.next_allowed <= now,
        ).returning(table.c.key)  # a row back: charged (rowcount is not reliable here)
        with self.db.begin() as conn:
            charged = conn.execute(stmt).first() is not None
            if charged:
                conn.execute(delete(table).where(table.c.next_allowed < now - self.forget_after))
            return charged

    def _remaining(self, key: str, now: float) -> float | None:
        with self.db.connect() as conn:
            row = conn.execute(select(Rec.next_allowed).where(Rec.key == key)).first()
        return None if row is None else max(0.0, row[0] - now)

    def wait_seconds(self, username: str, address: str) -> float:
        """How long this pair must still wait before the next attempt (0 = may try now)."""
        return self._remaining(self.key(username, address), self.clock()) or 0.0

    def succeeded(self, username: str, address: str) -> None:
        with self.db.begin() as conn:
            conn.execute(delete(Rec).where(Rec.key == self.key(username, address)))
