"""The FastAPI application factory: nothing is created at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings, get_settings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Load the language model in the background so the first check does not wait for it;
    # a failure here is reported by the checks themselves (fail closed).
    threading.Thread(target=_warm_up, args=(app,), daemon=True).start()
    yield


def _warm_up(app: FastAPI) -> None:
    try:
        app.state.moderation.get_nlp()
    except Exception:  # noqa: BLE001 - the checks report it on every draft
        log.warning("the language model could not be loaded; text checks will ask for review")


def create_app(settings: Settings | None = None, *, db: DbEngine | None = None) -> FastAPI:
    from consent_store.db import make_engine
    from secondlook.checking import moderation_engine
    from web.routers import check, pages

    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Second Look",
        description="Checks school social media posts against the consent register and "
        "policy before a second colleague approves them.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.db = db if db is not None else make_engine(settings.resolved_database_url())
    app.state.moderation = moderation_engine(settings)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (pages.router, check.router):
        app.include_router(router)
    return app
