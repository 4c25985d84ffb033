"""The FastAPI application factory: nothing is created at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings, get_settings
from web import metrics
from web.deps import checker_of
from web.templating import HERE

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Load the language model in the background so the first check does not wait for it;
    # a failure here is reported by the checks themselves (fail closed).
    threading.Thread(target=_warm_up, args=(app,), daemon=True).start()
    from secondlook.audit_heads import HeadKeeper
    from secondlook.release.watch import release_watch

    # This worker's heartbeat; recovers releases a killed server left behind (before
    # serving, then at every beat). Scheduled posts, channels to try again, old approvals
    # and mail are jobs, worked here unless only `secondlook worker` processes run them.
    watch = release_watch(app.state.db)
    watch.start()
    heads = HeadKeeper(app.state.db, app.state.settings.home)  # catches a rolled-back database
    heads.start()
    jobs = job_runner(app)
    if jobs is not None:
        jobs.start()
    yield
    # A graceful stop (SIGTERM; uvicorn has finished the requests in flight): the
    # background threads, then the face-detection pool's processes, so nothing is left.
    if jobs is not None:
        jobs.stop()
    app.state.jobs.close()
    heads.stop()
    watch.stop()
    app.state.moderation.close()
    metrics.process_stopped()


def job_runner(app: FastAPI) -> Any:
    """What works background jobs in this server (``jobs_run = server``): threads over
    the ``job`` rows on SQLite, a procrastinate worker on PostgreSQL; None otherwise."""
    from secondlook.jobs.opening import uses_procrastinate

    settings = app.state.settings
    if settings.jobs_run != "server":
        return None
    if uses_procrastinate(settings):
        from secondlook.jobs.procrastinate_queue import ProcrastinateRunner

        return ProcrastinateRunner(app.state.job_context, settings, name="server")
    from secondlook.jobs.local import LocalRunner

    return LocalRunner(app.state.db, app.state.job_context,
                       threads=settings.jobs_concurrency)


def _warm_up(app: FastAPI) -> None:
    try:
        app.state.moderation.get_nlp()
    except Exception:  # noqa: BLE001 - the checks report it on every draft
        log.warning("the language model could not be loaded; text checks will ask for review")


def create_app(settings: Settings | None = None, *, db: DbEngine | None = None) -> FastAPI:
    """The app for ``settings``: they reach every check (``CheckOptions``) and the storage
    (the data key), never read again below this point."""
    from consent_store.db import make_engine
    from secondlook.accounts.throttle import LoginThrottle
    from secondlook.checking import moderation_engine
    from secondlook.jobs import JobContext
    from secondlook.jobs.opening import open_queue
    from secondlook.keys import open_data_key
    from web import errors, security
    from web.body_limits import form_limits
    from web.routers import (
        account,
        admin_audit,
        admin_channels,
        admin_register,
        admin_staff_names,
        admin_users,
        api_drafts,
        api_faces,
        api_queues,
        api_release,
        api_schema,
        audit_pages,
        auth,
        calendar,
        check,
        decisions,
        drafts,
        face_decisions,
        health,
        pages,
        policy_report,
        release,
        schools,
        takedowns,
    )
    from web.routers import metrics as metrics_route

    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Second Look",
        description="Checks school social media posts against the consent register and "
        "policy before a second colleague approves them.",
        version="0.1.0",
        # The interactive docs load scripts from a CDN; nothing is fetched at run time, and
        # the schema itself is served behind sign-in at /api/openapi.json.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(security.csrf_protect)],
        form_limits=form_limits(settings),  # type: ignore[typeddict-item]
    )
    app.state.settings = settings
    app.state.db = db if db is not None else make_engine(settings.resolved_database_url())
    app.state.moderation = moderation_engine(settings)
    app.state.moderation.on_check_timed = metrics.observe_check
    # Refuses a missing or different key while the database holds sealed data.
    app.state.data_key = open_data_key(settings, app.state.db)
    app.state.zone = settings.zone()
    # Shared by every server process through the database (see secondlook.accounts).
    app.state.login_throttle = LoginThrottle(
        app.state.db,
        free_attempts=settings.login_free_attempts,
        max_delay=settings.login_max_delay_seconds,
        first_delay=settings.login_first_delay_seconds,
    )
    app.state.job_context = JobContext(app.state.db, settings, checker_of(app.state))
    app.state.jobs = open_queue(app.state.db, settings, app.state.job_context)
    _add_middleware(app, settings)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # Page and API routers, one per resource: a new router is one entry here.
    routers = [
        auth.router,
        pages.router,
        account.router,
        admin_users.router,
        admin_staff_names.router,
        admin_audit.router,
        admin_register.router,
        check.router,
        api_schema.router,
        drafts.router,
        face_decisions.router,
        decisions.router,
        audit_pages.router,
        api_drafts.router,
        api_faces.router,
        api_queues.router,
        policy_report.router,
        release.router,
        calendar.router,
        takedowns.router,
        admin_channels.router,
        api_release.router,
        health.router,
        metrics_route.router,
        schools.router,
    ]
    for router in routers:
        app.include_router(router)
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Innermost first: each one added wraps the ones before it."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from web import security
    from web.access_log import AccessLogMiddleware
    from web.body_limits import BodyLimitMiddleware
    from web.deps import identify
    from web.request_ids import RequestIdMiddleware
    from web.schools import SchoolScopeMiddleware

    # Innermost: every route, dependency and page runs for the school chosen here.
    app.add_middleware(SchoolScopeMiddleware)
    app.add_middleware(BodyLimitMiddleware, settings=settings,
                       signed_in=lambda request: identify(request)[0] is not None)
    app.add_middleware(security.SecurityHeadersMiddleware, secure_cookie=settings.cookie_secure)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if proxies:  # only their X-Forwarded-For / -Proto are believed; nobody's by default
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.add_middleware(AccessLogMiddleware, observe=metrics.observe_request)
    # Outermost: sees the connection's own address, before the proxy headers replace it.
    app.add_middleware(RequestIdMiddleware, trusted_proxies=settings.trusted_proxies)


def create_served_app() -> FastAPI:
    """The app as each server process builds it (``secondlook serve``, or uvicorn's
    ``--factory``): settings from the environment and the same start-up checks as
    ``serve`` — rule packs load, the database is at the current schema."""
    from secondlook.commands import open_database, validate_rule_packs

    settings = get_settings()
    validate_rule_packs(settings)
    return create_app(settings, db=open_database(settings))
