"""Real ``secondlook serve`` processes for tests over HTTP: each its own Python process on
a free loopback port, on a database the test made, stopped when the test ends.

The language model is left out (a model name that is not installed: the checks fail
closed, which these tests do not look at), so a server starts in a couple of seconds
and its memory is not dominated by the model.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180.0  # a busy two-core machine starts a worker in tens of seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(db_url: str, home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDLOOK_")}
    env |= {
        "SECONDLOOK_DATABASE_URL": db_url,
        "SECONDLOOK_HOME": str(home),
        "SECONDLOOK_SPACY_MODEL": "not_installed_in_these_tests",
        "SECONDLOOK_RELEASE_SCHEDULER_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    return env | {f"SECONDLOOK_{k.upper()}": v for k, v in settings.items()}


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def rss_mib(self) -> float:
        """Resident memory of the server process (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:"))
        return kib / 1024


def _read(process: subprocess.Popen, lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            time.sleep(0.2)  # let the reader thread collect the last lines
            raise RuntimeError(f"the server exited ({server.process.returncode}):\n"
                               f"{server.output}")
        try:
            if httpx.get(server.url + "/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s:\n"
                       f"{server.output}")


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "secondlook.cli", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def launch(env: dict[str, str], *, workers: int = 1) -> Server:
    """Start a server process (not yet waited for)."""
    port = free_port()
    extra = ["--workers", str(workers)] if workers > 1 else []
    process = start(env, "serve", "--port", str(port), *extra)
    server = Server(f"http://127.0.0.1:{port}", process)
    server.reader = threading.Thread(target=_read, args=(process, server.lines), daemon=True)
    server.reader.start()
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    if server.reader is not None:
        server.reader.join(timeout=5)


@contextmanager
def serving(env: dict[str, str], *, workers: int = 1) -> Iterator[Server]:
    with several(env, 1, workers=workers) as (server,):
        yield server


@contextmanager
def several(env: dict[str, str], count: int, *, workers: int = 1) -> Iterator[list[Server]]:
    """``count`` separate servers on one database, as on several machines; started
    together, stopped together."""
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(launch(env, workers=workers))
        for server in servers:
            wait_until_up(server)
        yield servers
    finally:
        for server in servers:
            stop(server)
