"""The pages' Jinja environment and the one way routers render a page.

Its own module so that the app factory, the error pages and every router import
it from here, and nothing imports the app module back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from web import formatting, security
from web.menu import menu_counts
from web.schools import school_menu

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["csrf_token"] = security.csrf_token
templates.env.globals["menu_counts"] = menu_counts
templates.env.globals["school_menu"] = school_menu
formatting.install(templates.env)


def page(request: Request, name: str, context: dict[str, Any] | None = None,
         status: int = 200) -> HTMLResponse:
    """The template ``name`` rendered for this request."""
    return templates.TemplateResponse(request, name, context or {}, status_code=status)
