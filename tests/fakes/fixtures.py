"""Fixtures (a pytest plugin): the fake channel servers, one per test session and reset
per test, an HTTP client with a short timeout, and adapters pointed at the fakes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from secondlook.release.facebook import FacebookAdapter
from secondlook.release.retrying import RetryPolicy
from secondlook.release.x import XAdapter
from tests.fakes import facebook as fb
from tests.fakes import x as xfake
from tests.fakes.content import content, jpeg  # noqa: F401 - kept importable from here
from tests.fakes.server import ServedApp


@pytest.fixture(scope="session")
def _fb_server() -> Iterator[tuple[fb.FakeFacebook, ServedApp]]:
    state = fb.FakeFacebook()
    with ServedApp(fb.build_app(state)) as served:
        yield state, served


@pytest.fixture(scope="session")
def _x_server() -> Iterator[tuple[xfake.FakeX, ServedApp]]:
    state = xfake.FakeX()
    with ServedApp(xfake.build_app(state)) as served:
        yield state, served


@pytest.fixture
def fake_facebook(_fb_server) -> fb.FakeFacebook:  # noqa: ANN001
    _fb_server[0].reset()
    return _fb_server[0]


@pytest.fixture
def fake_x(_x_server) -> xfake.FakeX:  # noqa: ANN001
    _x_server[0].reset()
    return _x_server[0]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(1.0, connect=2.0)) as c:
        yield c


@pytest.fixture
def policy() -> RetryPolicy:
    """Four tries, 0.5 s apart then doubling: when the background releaser tries again."""
    return RetryPolicy(max_attempts=4, max_wait=30.0, base_delay=0.5)


@pytest.fixture
def x_adapter(_x_server, fake_x, client) -> XAdapter:  # noqa: ANN001
    return XAdapter(client, base_url=_x_server[1].url, token=xfake.TOKEN, username="oakfieldpri")


@pytest.fixture
def fb_adapter(_fb_server, fake_facebook, client) -> FacebookAdapter:  # noqa: ANN001
    return FacebookAdapter(client, base_url=_fb_server[1].url, page_id=fb.PAGE_ID,
                           token=fb.TOKEN)
