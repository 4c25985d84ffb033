"""A fake Facebook Graph API: page photos (published or not) and feed posts; and the
harmless reads of a connection test: the page itself and ``debug_token``."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import FaultPlan

PAGE_ID = "1122334455"
TOKEN = "fb-page-token"
PAGE_NAME = "Oakfield Primary School"


@dataclass
class FbPhoto:
    id: str
    data: bytes
    alt: str
    content_type: str


@dataclass
class FbPost:
    id: str
    message: str
    photos: list[FbPhoto]


@dataclass
class FakeFacebook:
    token: str = TOKEN
    photos: dict[str, FbPhoto] = field(default_factory=dict)
    posts: list[FbPost] = field(default_factory=list)
    deleted: list[FbPost] = field(default_factory=list)  # taken down through the API
    calls: list[str] = field(default_factory=list)
    faults: FaultPlan = field(default_factory=FaultPlan)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    token_type: str = "PAGE"  # what debug_token says the token is
    expires_at: int = 0  # debug_token's expiry (seconds since 1970); 0: never

    def reset(self) -> None:
        self.photos.clear(), self.posts.clear(), self.calls.clear(), self.faults.clear()
        self.deleted.clear()
        self.token, self.token_type, self.expires_at = TOKEN, "PAGE", 0


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "OAuthException", "code": code}},
                        status_code=status)


def build_app(state: FakeFacebook) -> FastAPI:
    app = FastAPI()

    async def handle(step: str, request: Request, page_id: str) -> JSONResponse:
        state.calls.append(step)
        form = await request.form()  # read it all before any delay, as a real server would
        fault = state.faults.next(step)
        if fault and not fault.apply:
            await asyncio.sleep(fault.delay)
            return JSONResponse(fault.body or {}, status_code=fault.status, headers=fault.headers)
        if form.get("access_token") != state.token:
            return _error(400, 190, "Error validating access token: Session has expired")
        if page_id != PAGE_ID:
            return _error(400, 100, "Unsupported post request")
        body = await (_photo(state, form) if step == "photos" else _feed(state, form))
        if fault:  # applied; then the answer is slow or wrong
            await asyncio.sleep(fault.delay)
            return JSONResponse(fault.body or body, status_code=fault.status,
                                headers=fault.headers)
        return JSONResponse(body)

    def bearer(request: Request) -> str:
        return request.headers.get("authorization", "").removeprefix("Bearer ")

    @app.get("/debug_token")
    async def debug_token(request: Request) -> JSONResponse:
        state.calls.append("debug_token")
        if bearer(request) != state.token:
            return _error(400, 190, "Invalid OAuth access token")
        valid = request.query_params.get("input_token") == state.token
        return JSONResponse({"data": {"is_valid": valid, "type": state.token_type,
                                      "profile_id": PAGE_ID, "expires_at": state.expires_at}})

    @app.get("/{page_id}")
    async def page(page_id: str, request: Request) -> JSONResponse:
        state.calls.append("page")
        if bearer(request) != state.token:
            return _error(400, 190, "Error validating access token: Session has expired")
        if page_id != PAGE_ID:
            return _error(400, 100, f"Object with ID '{page_id}' does not exist")
        return JSONResponse({"id": PAGE_ID, "name": PAGE_NAME})

    @app.post("/{page_id}/photos")
    async def photos(page_id: str, request: Request) -> JSONResponse:
        return await handle("photos", request, page_id)

    @app.post("/{page_id}/feed")
    async def feed(page_id: str, request: Request) -> JSONResponse:
        return await handle("feed", request, page_id)

    @app.delete("/{post_id}")
    async def delete(post_id: str, request: Request) -> JSONResponse:
        """Graph API: ``DELETE /{page-post-id}`` with the page token; ``{"success": true}``."""
        state.calls.append("delete")
        form = await request.form()
        fault = state.faults.next("delete")
        if fault:
            return JSONResponse(fault.body or {}, status_code=fault.status, headers=fault.headers)
        if form.get("access_token") != state.token:
            return _error(400, 190, "Error validating access token: Session has expired")
        post = next((p for p in state.posts if p.id == post_id), None)
        if post is None:
            return _error(404, 100, f"Object with ID '{post_id}' does not exist")
        state.posts.remove(post)
        state.deleted.append(post)
        return JSONResponse({"success": True})

    return app


async def _photo(state: FakeFacebook, form) -> dict:  # noqa: ANN001
    upload = form["source"]
    photo = FbPhoto(str(next(state.ids)), await upload.read(), str(form.get("alt_text_custom", "")),
                    upload.content_type or "")
    state.photos[photo.id] = photo
    if form.get("published") == "false":
        return {"id": photo.id}
    post = FbPost(f"{PAGE_ID}_{next(state.ids)}", str(form.get("message", "")), [photo])
    state.posts.append(post)
    return {"id": photo.id, "post_id": post.id}


async def _feed(state: FakeFacebook, form) -> dict:  # noqa: ANN001
    attached = sorted((k, v) for k, v in form.multi_items() if k.startswith("attached_media["))
    photos = [state.photos[json.loads(str(v))["media_fbid"]] for _, v in attached]
    post = FbPost(f"{PAGE_ID}_{next(state.ids)}", str(form.get("message", "")), photos)
    state.posts.append(post)
    return {"id": post.id}
