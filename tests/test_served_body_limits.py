"""Oversize bodies against a real server: refused before they are read, in under a second,
without the server's memory growing (issue: four anonymous 200 MiB posts grew it by
1.5 GiB before it answered 401, and a 200 MiB upload was spooled to disk whole)."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.conftest import migrated_url
from tests.serve_support import Server, server_env, serving

MiB = 1024 * 1024
HUGE = 200 * MiB


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:  # noqa: ANN001
    home = tmp_path_factory.mktemp("limits")
    with serving(server_env(migrated_url("sqlite", home), home)) as served:
        yield served


@dataclass
class Answer:
    status: int
    seconds: float
    sent: int


def _status(sock: socket.socket) -> int:
    sock.settimeout(10)
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0


def _request(url: str, method: str, path: str, headers: dict[str, str]) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    sock.sendall("\r\n".join(lines).encode())
    return sock


def stream(url: str, path: str, content_type: str, total: int = HUGE,
           first: bytes = b"") -> Answer:
    """POST ``total`` bytes chunked (no Content-Length), as fast as the server takes them,
    stopping as soon as it answers; how long until the answer, and how much went out."""
    sock = _request(url, "POST", path, {"Content-Type": content_type,
                                         "Transfer-Encoding": "chunked"})
    chunk, sent, started = b"a" * MiB, 0, time.perf_counter()
    sock.settimeout(2)
    try:
        pieces = [first] if first else []
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered (or hung up): stop sending
            piece = pieces.pop() if pieces else chunk
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
    except (OSError, TimeoutError):
        pass  # the server stopped reading or closed the connection: read its answer
    status = _status(sock)
    sock.close()
    return Answer(status, time.perf_counter() - started, sent)


@contextmanager
def peak_growth(server: Server) -> Iterator[Callable[[], float]]:
    """The largest rise of the server's resident memory while the block runs (MiB)."""
    before = server.rss_mib()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_mib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak[0] - before
    finally:
        done.set()
        sampler.join()


def _settle(server: Server) -> None:
    """Wait until start-up work (the model warm-up attempt) has stopped moving memory."""
    last = server.rss_mib()
    for _ in range(50):
        time.sleep(0.2)
        now = server.rss_mib()
        if abs(now - last) < 0.5:
            return
        last = now


@pytest.mark.parametrize(("path", "kind", "first"), [
    ("/api/drafts", "application/json", b'{"text": "'),
    ("/api/check", "application/json", b'{"text": "'),
    ("/login", "application/x-www-form-urlencoded", b"username=")])
def test_a_streamed_200_mib_anonymous_body_is_cut_at_once(server, path: str, kind: str,  # noqa: ANN001
                                                          first: bytes) -> None:
    """A body that parses as far as it goes: the old server read all 200 MiB (+196 MiB)."""
    _settle(server)
    with peak_growth(server) as growth:
        answer = stream(server.url, path, kind, first=first)
    print(f"{path}: {answer}, grew {growth():.1f} MiB")
    assert answer.status == 413, answer
    assert answer.seconds < 1.0, answer
    assert answer.sent < 20 * MiB, answer  # it stopped reading long before 200 MiB
    assert growth() < 50, f"the server grew by {growth():.0f} MiB"


def test_a_streamed_200_mib_anonymous_upload_is_not_spooled(server) -> None:  # noqa: ANN001
    boundary = "slboundary"
    first = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; "
             f"filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
    _settle(server)
    with peak_growth(server) as growth:
        answer = stream(server.url, "/drafts", f"multipart/form-data; boundary={boundary}",
                        first=first)
    print(f"/drafts: {answer}, grew {growth():.1f} MiB")
    assert answer.status == 413 and answer.seconds < 1.0, answer
    assert answer.sent < 20 * MiB, answer
    assert growth() < 50, f"the server grew by {growth():.0f} MiB"


@pytest.mark.parametrize("path", ["/api/drafts", "/drafts", "/admin/register/import"])
def test_a_declared_200_mib_body_is_refused_before_a_byte_is_sent(server, path: str) -> None:  # noqa: ANN001
    started = time.perf_counter()
    sock = _request(server.url, "POST", path, {"Content-Type": "application/json",
                                                "Content-Length": str(HUGE)})
    status = _status(sock)
    sock.close()
    assert status == 413 and time.perf_counter() - started < 1.0
