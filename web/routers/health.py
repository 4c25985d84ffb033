"""``GET /healthz`` (the process answers) and ``GET /readyz`` (it can do its work), for a
load balancer or a service manager; JSON, no sign-in, nothing about learners.

``/readyz`` answers 503 naming the part that failed (``secondlook.readiness``): the
database, its migrations, the data key, the rule packs. A proxy stops sending requests to
a process that is not ready; a process that is not healthy should be restarted.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from secondlook.readiness import readiness
from web.deps import DataKeyDep, DbDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database, migrations, data key and rule packs are usable",
            responses={503: {"description": "not ready; ``checks`` names the part that failed"}})
async def readyz(db: DbDep, key: DataKeyDep, settings: SettingsDep) -> JSONResponse:
    # The probes query the database and read files: never on the event loop.
    found = await run_in_threadpool(readiness, db=db, data_key=key, rules_dir=settings.rules_dir)
    return JSONResponse(found.to_dict(), status_code=200 if found.ready else 503)
