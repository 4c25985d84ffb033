"""Several server processes on one database behave as one server: ``secondlook serve
--workers N``, and separate servers (as on several machines), on SQLite and PostgreSQL.

Before, each process kept its own pre-sign-in CSRF key (29 of 30 logins failed under
three workers), its own login throttle (30 guesses over 3 servers got 15 tries) and its
own set-up link (two first admins); concurrent ``secondlook init`` failed on both
databases; uvicorn believed X-Forwarded-For from anything on the host.

Per database, one pair of servers serves the whole module (starting processes is the slow
part): ``one`` with two workers, ``two`` a separate server. They start on an empty
database, so the set-up test comes first; the other tests add the accounts they use.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session, func, select

from consent_store.db import make_engine
from secondlook.accounts.models import Role, User
from secondlook.accounts.users import find_user
from secondlook.database import current_revision, head_revision
from tests.conftest import POSTGRES_URL, _database_params, _reset_postgres, migrated_url
from tests.serve_support import Server, launch, server_env, start, stop, wait_until_up
from tests.web_support import PASSWORD, add_user, csrf_from

WRONG = "not the right password"
SETUP_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/setup/\S+)")


class Site:
    def __init__(self, db: DbEngine, one: Server, two: Server) -> None:
        self.db, self.one, self.two = db, one, two

    def user(self, username: str) -> None:
        with Session(self.db) as s:
            if find_user(session=s, username=username) is not None:
                return
        add_user(self.db, username, Role.HEADTEACHER)


@pytest.fixture(scope="module", params=_database_params())
def site(request, tmp_path_factory) -> Iterator[Site]:  # noqa: ANN001
    home = tmp_path_factory.mktemp("workers")
    url = migrated_url(request.param, home)
    # A first wait of a minute: however slow the machine, the tests' next tries fall in it.
    env = server_env(url, home, login_free_attempts="3", login_first_delay_seconds="60")
    servers = [launch(env, workers=2), launch(env)]
    db = make_engine(url)
    try:
        for server in servers:
            wait_until_up(server)
        yield Site(db, *servers)
    finally:
        for server in servers:
            stop(server)
        db.dispose()


def _fresh_login(form_from: Server, post_to: Server, username: str,
                 password: str = PASSWORD, headers: dict[str, str] | None = None) -> int:
    """The login form from one server and the post to another, each on a new
    connection: what a browser behind a load balancer does."""
    with httpx.Client(base_url=form_from.url) as first:
        page = first.get("/login")
        cookies = dict(page.cookies)
    with httpx.Client(base_url=post_to.url, cookies=cookies, headers=headers) as second:
        resp = second.post("/login", data={"csrf_token": csrf_from(page.text),
                                           "username": username, "password": password})
    return resp.status_code


def _submit_setup(server: Server, link: str, username: str, go: threading.Barrier) -> int:
    with httpx.Client(base_url=server.url) as client:
        page = client.get(link)
        go.wait(timeout=60)
        return client.post(link, data={
            "csrf_token": csrf_from(page.text), "username": username,
            "display_name": "Mrs Head", "password": PASSWORD, "password_again": PASSWORD,
        }).status_code


def test_one_setup_link_for_every_worker_and_one_admin_from_two_servers(site: Site) -> None:
    with Session(site.db) as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 0, "run this test first"
    assert len(SETUP_LINK.findall(site.one.output)) == 1  # one link, not one per worker
    printed = SETUP_LINK.findall(site.one.output + site.two.output)
    # Each server printed one; the newer replaced the older, and works on every worker.
    live = [link for link in printed if httpx.get(site.two.url + link).status_code == 200]
    assert len(live) == 1, printed
    assert all(httpx.get(site.one.url + live[0]).status_code == 200 for _ in range(6))
    go = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:  # the same link sent to both servers at once
        codes = list(pool.map(lambda s, n: _submit_setup(s, live[0], n, go),
                              (site.one, site.two), ("head", "second")))
    assert sorted(codes) == [303, 400], codes
    with Session(site.db) as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 1
    assert httpx.get(site.one.url + live[0]).status_code == 404


def test_logins_on_fresh_connections_succeed_across_workers(site: Site) -> None:
    site.user("ada")
    codes = [_fresh_login(site.one, site.one, "ada") for _ in range(12)]
    assert codes == [303] * 12, codes
    assert _fresh_login(site.one, site.two, "ada") == 303  # form from one, post to the other
    assert _fresh_login(site.two, site.one, "ada") == 303


def test_the_login_throttle_counts_across_servers(site: Site) -> None:
    site.user("bea")
    servers = (site.one, site.two, site.one, site.two, site.one)
    codes = [_fresh_login(s, s, "bea", WRONG) for s in servers]
    assert codes == [400, 400, 400, 429, 429], codes  # three wrong passwords in all


def test_parallel_guesses_on_both_servers_get_only_the_free_attempts(site: Site) -> None:
    site.user("cat")
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda s: _fresh_login(s, s, "cat", WRONG),
                              [site.one, site.two] * 8))
    assert codes.count(400) == 3 and codes.count(429) == 13, codes


def test_forwarded_addresses_are_not_believed_by_default(site: Site) -> None:
    """Anything on the host could otherwise rotate X-Forwarded-For past the throttle."""
    site.user("dee")
    codes = [_fresh_login(site.two, site.two, "dee", WRONG,
                          headers={"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(5)]
    assert codes == [400, 400, 400, 429, 429], codes


def test_the_access_log_names_routes_not_values(site: Site) -> None:
    upn, search, sha = "A123456789012", "Amelia", "ab" * 32
    for path in (f"/admin/register/{upn}?q={search}", f"/drafts/7/images/{sha}",
                 f"/admin/register?q={search}", "/setup/some-secret-token"):
        httpx.get(site.two.url + path)
    log = site.two.output
    assert "/admin/register/{upn}" in log and "/drafts/{draft_id}/images/{sha256}" in log
    for secret in (upn, search, sha, "some-secret-token", "?q="):
        assert secret not in log, secret
    (printed,) = SETUP_LINK.findall(log)  # on the console once, never in the access log
    assert log.count(printed.removeprefix("/setup/")) == 1


@pytest.fixture
def unmigrated(request, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL:
        migrated_url("postgres", tmp_path)  # skips (or fails in CI) saying why
    _reset_postgres(make_engine(POSTGRES_URL))
    yield POSTGRES_URL


@pytest.mark.parametrize("unmigrated", _database_params(), indirect=True)
def test_concurrent_inits_all_succeed(unmigrated: str, tmp_path: Path) -> None:
    env = server_env(unmigrated, tmp_path)
    processes = [start(env, "init") for _ in range(4)]
    outputs = [p.communicate(timeout=180)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, "\n".join(outputs)
    db = make_engine(unmigrated)
    assert current_revision(db) == head_revision()
    db.dispose()


def test_serve_with_workers_checks_the_rule_packs_first(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tone.yaml").write_text("rules:\n  - id: tone.oops\n    check: tone\n")
    env = server_env(migrated_url("sqlite", tmp_path), tmp_path, rules_dir=str(rules))
    broken = start(env, "serve", "--port", "1", "--workers", "2")
    out = broken.communicate(timeout=180)[0]
    assert broken.returncode == 1 and "rule pack refused" in out and "tone.oops" in out


def test_each_worker_refuses_a_database_that_is_not_migrated(tmp_path: Path,
                                                           monkeypatch) -> None:  # noqa: ANN001
    """What uvicorn's --factory calls in every worker: the checks of ``serve`` itself."""
    from secondlook.commands import CommandError
    from secondlook.config import get_settings
    from web.app import create_served_app

    monkeypatch.setenv("SECONDLOOK_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    get_settings.cache_clear()
    try:
        with pytest.raises(CommandError, match="not initialised.*secondlook init"):
            create_served_app()
    finally:
        get_settings.cache_clear()
