"""Facebook Page posts through the Graph API.

No photo: ``POST /{page-id}/feed``. One photo: ``POST /{page-id}/photos`` with the
message and ``alt_text_custom`` (publishing). Several photos: each uploaded
unpublished with its alt text (preparing, safe to retry), then one
``POST /{page-id}/feed`` with ``attached_media`` (publishing). The page token
travels in the form body, never in the URL, so it stays out of access logs.
"""

from __future__ import annotations

import json

import httpx

from secondlook.release.adapters import ErrorAnswer, Published, classify, error_text, json_body
from secondlook.release.content import ReleaseContent, ReleaseImage
from secondlook.release.errors import ChannelError
from secondlook.release.retrying import send

# Graph error codes: 190 invalid/expired token; 4, 17, 32, 613 rate limits.
_TOKEN_CODES = {190, 102}
_RATE_CODES = {4, 17, 32, 613}


def _classify(response: httpx.Response) -> ChannelError:
    body = json_body(response)
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code = error.get("code") if isinstance(error, dict) else None
    answer = ErrorAnswer(error_text(body, "error", "message"), token_refused=code in _TOKEN_CODES,
                         rate_limited=code in _RATE_CODES)
    return classify(response, answer, name="Facebook", token="page token", channel="facebook")


class FacebookAdapter:
    channel = "facebook"

    def __init__(self, client: httpx.Client, *, base_url: str, page_id: str, token: str) -> None:
        self.client, self.base = client, base_url.rstrip("/")
        self.page_id, self.token = page_id, token

    def _post(self, path: str, label: str, publishes: bool, data: dict[str, str],
              image: ReleaseImage | None = None) -> dict:
        files = {"source": (image.name or "photo", image.data, image.media_type)} if image else None
        response = send(
            lambda: self.client.post(f"{self.base}/{self.page_id}/{path}",
                                     data={**data, "access_token": self.token}, files=files),
            classify=_classify, label=f"Facebook {label}", publishes=publishes,
        )
        return response.json()

    def publish(self, content: ReleaseContent) -> Published:
        images = content.images
        if len(images) == 1:
            body = self._post("photos", "photo post", True, {
                "message": content.text, "alt_text_custom": images[0].alt, "published": "true",
            }, images[0])
            post_id = body.get("post_id") or body["id"]
        else:
            data = {"message": content.text}
            for n, image in enumerate(images):
                photo = self._post("photos", f"photo {n + 1} upload", False, {
                    "alt_text_custom": image.alt, "published": "false"}, image)
                data[f"attached_media[{n}]"] = json.dumps({"media_fbid": photo["id"]})
            post_id = self._post("feed", "post", True, data)["id"]
        return Published(remote_id=str(post_id), url=f"https://www.facebook.com/{post_id}")

    def delete(self, remote_id: str) -> bool:
        """Take the post down (``DELETE /{post-id}``); False: Facebook has no such post."""
        try:
            send(lambda: self.client.request("DELETE", f"{self.base}/{remote_id}",
                                             data={"access_token": self.token}),
                 classify=_classify, label="Facebook delete", publishes=False)
        except ChannelError as exc:
            if exc.status == 404:
                return False
            raise
        return True
