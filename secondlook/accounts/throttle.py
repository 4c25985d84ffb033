"""Login throttling by (username, client address), never by account alone.

Locking an account after N failures would let anyone lock the headteacher out by typing
her username wrongly. Here a failure only slows down further guesses for the same
username from the same address: after ``free_attempts`` failures each further attempt must
wait twice as long as the last (1 s, 2 s, 4 s … up to ``max_delay``). The real user on
another machine is unaffected, and a successful login clears the record.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int
    last_failure: float


class LoginThrottle:
    """In-process memory: one server process serves a school (bounded, oldest forgotten)."""

    def __init__(
        self,
        *,
        free_attempts: int = 5,
        max_delay: float = 900.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.max_delay = max_delay
        self.max_entries = max_entries
        self.clock = clock
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().casefold(), address)

    def _delay(self, failures: int) -> float:
        extra = failures - self.free_attempts
        return 0.0 if extra < 0 else min(self.max_delay, 2.0**extra)

    def wait_seconds(self, username: str, address: str) -> float:
        """How long this pair must still wait before the next attempt (0 = may try now)."""
        with self._lock:
            rec = self._records.get(self._key(username, address))
            if rec is None:
                return 0.0
            remaining = rec.last_failure + self._delay(rec.failures) - self.clock()
            return max(0.0, remaining)

    def failed(self, username: str, address: str) -> None:
        key = self._key(username, address)
        with self._lock:
            rec = self._records.pop(key, None) or _Record(0, 0.0)
            rec.failures += 1
            rec.last_failure = self.clock()
            self._records[key] = rec
            while len(self._records) > self.max_entries:
                self._records.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._records.pop(self._key(username, address), None)
