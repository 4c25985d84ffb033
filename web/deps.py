"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from moderation.pipeline import Engine as ModerationEngine
from secondlook.config import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> DbEngine:
    return request.app.state.db


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.db) as session:
        yield session


def get_moderation(request: Request) -> ModerationEngine:
    return request.app.state.moderation


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[DbEngine, Depends(get_db)]
SessionDep = Annotated[Session, Depends(get_session)]
ModerationDep = Annotated[ModerationEngine, Depends(get_moderation)]
