"""The OpenAPI schema of the JSON API, for signed-in users and API tokens only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from web.deps import CurrentUserDep

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/openapi.json", summary="The OpenAPI schema of this API")
def openapi_schema(request: Request, _user: CurrentUserDep) -> dict[str, Any]:
    return request.app.openapi()
