"""Serve an ASGI app with uvicorn on a free 127.0.0.1 port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn


@dataclass
class Fault:
    """The next matching request answers ``status``; ``apply`` first does the real work.

    ``apply=True`` with a 5xx models a server that published and then failed to
    answer properly; ``delay`` longer than the client's timeout models a lost answer.
    """

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None
    apply: bool = False
    delay: float = 0.0


class FaultPlan:
    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self.lock = threading.Lock()

    def add(self, step: str, *faults: Fault) -> None:
        with self.lock:
            self._faults.setdefault(step, []).extend(faults)

    def next(self, step: str) -> Fault | None:
        with self.lock:
            queue = self._faults.get(step) or []
            return queue.pop(0) if queue else None

    def clear(self) -> None:
        with self.lock:
            self._faults.clear()


class ServedApp:
    def __init__(self, app) -> None:  # noqa: ANN001 - any ASGI app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake server did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
