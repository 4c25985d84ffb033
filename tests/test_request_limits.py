"""Request-body limits per route, decided before sign-in; files per form; forwarded
headers only from the proxies named in SECONDLOOK_TRUSTED_PROXIES. (The same limits
against a real server, with its memory measured: test_served_body_limits.py.)"""

from __future__ import annotations

import base64
import io
import random

from fastapi.testclient import TestClient
from PIL import Image

from secondlook.accounts.models import Role
from tests.test_authorisation_table import registered_routes
from tests.web_support import PASSWORD, add_user, api_token, login, make_app, signed_in
from web.body_limits import UPLOADS, route_limit

SMALL = dict(max_request_bytes=20_000, image_max_bytes=60_000, images_per_draft=3)


def _chunks(total: int, size: int = 4096):  # noqa: ANN202
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def _noisy_jpeg() -> bytes:
    """About 25 KB: noise does not compress."""
    image = Image.frombytes("RGB", (100, 100), random.Random(7).randbytes(100 * 100 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_every_upload_limit_names_a_real_route(sqlite_db, blank_nlp) -> None:
    routes = set(registered_routes(make_app(sqlite_db, blank_nlp)))
    assert {(method, path) for method, path, _ in UPLOADS} <= routes


def test_anonymous_bodies_are_cut_at_the_small_limit_on_every_route(sqlite_db, blank_nlp) -> None:
    client = TestClient(make_app(sqlite_db, blank_nlp, **SMALL))
    for path in ("/api/drafts", "/drafts", "/admin/register/import", "/login"):
        kind = {"content-type": "application/json" if path.startswith("/api/")
                else "application/x-www-form-urlencoded"}
        declared = client.post(path, content=b"x" * 25_000, headers=kind)
        assert declared.status_code == 413, path
        streamed = client.post(path, content=_chunks(25_000), headers=kind)
        assert streamed.status_code == 413, path


def test_a_signed_in_upload_may_be_as_large_as_the_image_limits(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    app = make_app(sqlite_db, blank_nlp, **SMALL)
    api = TestClient(app, headers={"Authorization": f"Bearer {api_token(sqlite_db, amy)}"})
    photo = base64.b64encode(_noisy_jpeg()).decode()
    assert 20_000 < len(photo) * 2 < 3 * 60_000 * 4 // 3  # over the small limit, under ours
    made = api.post("/api/drafts", json={"text": "Race", "images": [
        {"data_base64": photo, "alt": "one"}, {"data_base64": photo, "alt": "two"}]})
    assert made.status_code == 201, made.text[:300]
    over = api.post("/api/drafts", content=_chunks(300_000),
                    headers={"content-type": "application/json"})
    assert over.status_code == 413
    small_json = api.post(f"/api/drafts/{made.json()['id']}/submit", content=b"x" * 25_000,
                          headers={"content-type": "application/json"})
    assert small_json.status_code == 413  # not an upload route: the small limit


def test_a_form_carries_no_more_files_than_a_draft_has_photos(sqlite_db, blank_nlp) -> None:
    amy = add_user(sqlite_db, "amy", Role.AUTHOR)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp, **SMALL), sqlite_db, amy)
    def post(count: int):  # noqa: ANN202
        files = [("photos", (f"p{n}.jpg", b"tiny", "image/jpeg")) for n in range(count)]
        return client.post("/drafts", data={"csrf_token": csrf, "text": "Hi",
                                            "channels": ["facebook"]}, files=files)

    named = post(4)  # one photo over: refused by name, unread
    assert named.status_code == 422 and "photo 4 (p3.jpg)" in named.text
    assert "at most 3" in named.text
    parser = post(7)  # more than twice a draft's photos: the form parser stops at once
    assert parser.status_code == 400 and "Maximum number of files is 6" in parser.text


def test_forwarded_for_is_believed_only_from_a_configured_proxy(sqlite_db, blank_nlp) -> None:
    add_user(sqlite_db, "head", Role.HEADTEACHER)

    def guesses(app) -> list[int]:  # noqa: ANN001 - four guesses from "rotating" addresses
        codes = []
        for n in range(4):
            client = TestClient(app, client=("10.0.0.5", 5000),
                                headers={"X-Forwarded-For": f"198.51.100.{n}"})
            codes.append(login(client, "head", "not the password").status_code)
        return codes

    slow = {"login_free_attempts": 2, "login_first_delay_seconds": 60}
    plain = make_app(sqlite_db, blank_nlp, **slow)
    assert guesses(plain) == [400, 400, 429, 429]  # one address: the peer's
    behind = make_app(sqlite_db, blank_nlp, trusted_proxies="10.0.0.0/24", **slow)
    assert guesses(behind) == [400, 400, 400, 400]  # four clients behind the proxy
    other = TestClient(behind, client=("10.0.9.9", 5000),
                       headers={"X-Forwarded-For": "198.51.100.0"})
    for _ in range(2):
        login(other, "head", "not the password")
    assert login(other, "head", PASSWORD).status_code == 429  # not a proxy: its own address


def test_the_upload_limit_follows_the_settings() -> None:
    from secondlook.config import Settings

    settings = Settings(image_max_bytes=10 * 2**20, images_per_draft=4)
    assert route_limit("POST", "/drafts", settings) == 40 * 2**20 + settings.max_request_bytes
    assert route_limit("POST", "/drafts/12/edit", settings) > 40 * 2**20
    assert route_limit("POST", "/drafts/12/submit", settings) == settings.max_request_bytes
    assert route_limit("GET", "/drafts", settings) == settings.max_request_bytes
