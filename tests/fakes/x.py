"""A fake X API v2: media upload, media metadata (alt text) and posts; and the harmless
read of a connection test, ``GET /2/users/me``."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import FaultPlan

TOKEN = "x-user-token"
USERNAME = "oakfieldpri"
NAME = "Oakfield Primary"


@dataclass
class XMedia:
    id: str
    data: bytes
    content_type: str
    alt: str = ""


@dataclass
class XPost:
    id: str
    text: str
    media: list[XMedia]


@dataclass
class FakeX:
    token: str = TOKEN
    media: dict[str, XMedia] = field(default_factory=dict)
    posts: list[XPost] = field(default_factory=list)
    deleted: list[XPost] = field(default_factory=list)  # taken down through the API
    calls: list[str] = field(default_factory=list)
    faults: FaultPlan = field(default_factory=FaultPlan)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1_900_000_000))

    def reset(self) -> None:
        self.media.clear(), self.posts.clear(), self.calls.clear(), self.faults.clear()
        self.deleted.clear()
        self.token = TOKEN


def build_app(state: FakeX) -> FastAPI:
    app = FastAPI()

    async def handle(step: str, request: Request, work) -> JSONResponse:  # noqa: ANN001
        state.calls.append(step)
        await request.body()  # read it all before any delay, as a real server would
        fault = state.faults.next(step)
        if fault and not fault.apply:
            await asyncio.sleep(fault.delay)
            return JSONResponse(fault.body or {}, status_code=fault.status, headers=fault.headers)
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return JSONResponse({"title": "Unauthorized", "detail": "Unauthorized",
                                 "status": 401}, status_code=401)
        status, body = await work(request)
        if fault:  # applied; then the answer is slow or wrong
            await asyncio.sleep(fault.delay)
            return JSONResponse(fault.body or body, status_code=fault.status,
                                headers=fault.headers)
        return JSONResponse(body, status_code=status)

    @app.get("/2/users/me")
    async def me(request: Request) -> JSONResponse:
        state.calls.append("me")
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return JSONResponse({"title": "Unauthorized", "detail": "Unauthorized",
                                 "status": 401}, status_code=401)
        return JSONResponse({"data": {"id": "2244994945", "name": NAME, "username": USERNAME}})

    @app.post("/2/media/upload")
    async def upload(request: Request) -> JSONResponse:
        return await handle("upload", request, _upload)

    @app.post("/2/media/metadata")
    async def metadata(request: Request) -> JSONResponse:
        return await handle("metadata", request, _metadata)

    @app.post("/2/tweets")
    async def tweets(request: Request) -> JSONResponse:
        return await handle("tweets", request, _tweet)

    @app.delete("/2/tweets/{tweet_id}")
    async def delete_tweet(tweet_id: str, request: Request) -> JSONResponse:
        async def work(_: Request) -> tuple[int, dict]:
            post = next((p for p in state.posts if p.id == tweet_id), None)
            if post is None:
                return 404, {"title": "Not Found Error", "detail": "Could not find tweet",
                             "status": 404}
            state.posts.remove(post)
            state.deleted.append(post)
            return 200, {"data": {"deleted": True}}
        return await handle("delete", request, work)

    async def _upload(request: Request) -> tuple[int, dict]:
        form = await request.form()
        if form.get("media_category") != "tweet_image":
            return 400, {"detail": "media_category must be tweet_image"}
        upload = form["media"]
        if form.get("media_type") != upload.content_type:
            return 400, {"detail": "media_type must name the uploaded file's type"}
        item = XMedia(str(next(state.ids)), await upload.read(), upload.content_type or "")
        state.media[item.id] = item
        return 200, {"data": {"id": item.id, "media_key": f"3_{item.id}"}}

    async def _metadata(request: Request) -> tuple[int, dict]:
        body = await request.json()
        item = state.media.get(body.get("id", ""))
        if item is None:
            return 400, {"detail": "unknown media id"}
        item.alt = body["metadata"]["alt_text"]["text"]
        return 200, {"data": {"id": item.id}}

    async def _tweet(request: Request) -> tuple[int, dict]:
        body = await request.json()
        ids = (body.get("media") or {}).get("media_ids", [])
        if any(i not in state.media for i in ids):
            return 400, {"detail": "unknown media id"}
        post = XPost(str(next(state.ids)), body["text"], [state.media[i] for i in ids])
        state.posts.append(post)
        return 201, {"data": {"id": post.id, "text": post.text}}

    return app
