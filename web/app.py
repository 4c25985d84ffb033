"""The FastAPI application factory: nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine as DbEngine

from secondlook.config import Settings, get_settings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app(settings: Settings | None = None, *, db: DbEngine | None = None) -> FastAPI:
    from consent_store.db import make_engine
    from secondlook.checking import moderation_engine
    from web.routers import check, pages

    settings = settings or get_settings()
    app = FastAPI(
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
